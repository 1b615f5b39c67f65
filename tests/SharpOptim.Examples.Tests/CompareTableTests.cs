using SharpOptim.Examples.Train;
using Xunit;

namespace SharpOptim.Examples.Tests;

/// <summary>--compare's Markdown table stays a table whatever the width of the output (it used to be wrapped at 80 columns when piped).</summary>
public class CompareTableTests
{
    [Fact]
    public void EveryRowIsOneLineWithTheHeadersColumns()
    {
        var lines = Compare.MarkdownTable(
        [
            ("Muon(lr=0.02) on the weight matrices + AdamW(lr=1e-3) on the biases, and a name long enough to wrap any terminal", 0.01234, 0.9712, TimeSpan.FromSeconds(12.5)),
            ("a | b", 1.5, 0.5, TimeSpan.FromSeconds(0.25)),
        ]);
        Assert.Equal(4, lines.Count);
        Assert.All(lines, line => Assert.Equal(5, Columns(line)));
        Assert.Contains("Training time", lines[0]);
        Assert.Contains(@"a \| b", lines[3]);
    }

    /// <summary>Each piped row of a real --compare run is a well-formed Markdown row.</summary>
    [Fact]
    public void ThePipedComparisonPrintsAWellFormedTable()
    {
        string folder = TrainProgram.TempFolder();
        try
        {
            var run = TrainProgram.Run("--compare", "--epochs", "1", "--chart", Path.Combine(folder, "chart.svg"));
            Assert.True(run.ExitCode == 0, run.ToString());
            var rows = run.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith('|')).ToList();
            Assert.Equal(2 + SharpOptim.Examples.Train.OptimizerCatalog.Names.Count, rows.Count);
            Assert.All(rows, row => Assert.Equal(5, Columns(row)));
            Assert.True(File.Exists(Path.Combine(folder, "chart.svg")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The number of unescaped '|' in a row that starts and ends with one (5 for 4 columns).</summary>
    private static int Columns(string row)
    {
        Assert.StartsWith("|", row);
        Assert.EndsWith("|", row);
        int count = 0;
        for (int i = 0; i < row.Length; i++)
            if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) count++;
        return count;
    }
}
