using System.Globalization;
using SharpOptim.Optim;

namespace SharpOptim.Bench;

/// <summary>The results table: ms per step (median), throughput, bandwidth, ratio to PyTorch's fastest, allocation.</summary>
public sealed class BenchReport(bool withTorch)
{
    private readonly List<BenchRow> _rows = [];

    public void Add(BenchRow row)
    {
        _rows.Add(row);
        Console.Error.WriteLine($"  {row.Algorithm} case {row.Shape.Name}: {Ms(row.Default.MedianMs)} ms" +
            (row.TorchFastest is { } t ? $" (PyTorch {t.Impl} {Ms(t.Ms)} ms)" : ""));
    }

    private static string Ms(double ms) => Numbers.Ms(ms);

    private static string Cell((double? MedianMs, string? Error) r) => r.MedianMs is { } ms ? Ms(ms) : "–";

    public bool IsEmpty => _rows.Count == 0;

    /// <summary>The row of an algorithm on a case, when it was measured.</summary>
    public BenchRow? Find(string algorithm, string caseName) =>
        _rows.FirstOrDefault(r => r.Algorithm.Equals(algorithm, StringComparison.OrdinalIgnoreCase) && r.Shape.Name == caseName);

    /// <summary>The table as markdown lines, with a note on PyTorch's version under it.</summary>
    public IEnumerable<string> Lines(string? torchVersion)
    {
        var header = new List<string> { "algorithm", "case", "ours default ms", "ours foreach ms", "ours fused ms" };
        if (withTorch) header.AddRange(TorchRunner.Impls.Select(i => $"PyTorch {i} ms"));
        header.AddRange(["Mparams/s", "GB/s", withTorch ? "speed-up vs PyTorch fastest" : "", "bytes allocated/step"]);
        header.RemoveAll(string.IsNullOrEmpty);
        yield return "| " + string.Join(" | ", header) + " |";
        yield return "|" + string.Concat(header.Select((_, i) => i < 2 ? "---|" : "---:|"));
        foreach (var row in _rows)
        {
            double seconds = row.Default.MedianMs / 1e3;
            var cells = new List<string>
            {
                row.Algorithm, $"{row.Shape.Name} ({row.Shape.Count}×{row.Shape.Size})",
                Ms(row.Default.MedianMs), Ms(row.Ours[ImplementationChoice.ForEach].MedianMs), Ms(row.Ours[ImplementationChoice.Fused].MedianMs),
            };
            if (withTorch) cells.AddRange(TorchRunner.Impls.Select(i => row.Torch.TryGetValue(i, out var r) ? Cell(r) : "–"));
            cells.Add((row.Shape.Elements / seconds / 1e6).ToString("0", CultureInfo.InvariantCulture));
            cells.Add((row.Shape.Elements * (double)row.Default.BytesPerElement / seconds / 1e9).ToString("0.0", CultureInfo.InvariantCulture));
            if (withTorch)
                cells.Add(row.TorchFastest is { } t ? (t.Ms / row.Default.MedianMs).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–");
            cells.Add(row.Default.AllocatedBytesPerStep.ToString(CultureInfo.InvariantCulture));
            yield return "| " + string.Join(" | ", cells) + " |";
        }
        if (withTorch) yield return $"\nPyTorch {torchVersion}; a PyTorch cell is – where PyTorch has no such implementation on CPU.";
    }

    public void Print(TextWriter writer, string? torchVersion)
    {
        foreach (var line in Lines(torchVersion)) writer.WriteLine(line);
    }
}
