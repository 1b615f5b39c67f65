// Draws the learning-rate curve of every SharpOptim scheduler, one SVG per scheduler plus an
// overview page:
//   dotnet run -c Release --project examples/Schedules [-- --output docs/schedules]
using System.CommandLine;
using SharpOptim.Examples.Schedules;
using SharpOptim.Examples.Shared;

var output = new Option<DirectoryInfo>("--output")
{
    Description = "Folder to write the SVG files to",
    DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("docs", "schedules")),
    HelpName = "folder",
};
var root = new RootCommand("Draw the learning-rate curves of SharpOptim's schedulers as SVG files.") { output };
root.SetAction(parsed =>
{
    var folder = parsed.GetValue(output)!;
    var charts = new List<SvgChart>();
    foreach (var picture in ScheduleCatalog.All)
    {
        var chart = new SvgChart(picture.Title, picture.XLabel, "learning rate") { LogY = picture.LogY };
        var steps = Enumerable.Range(0, picture.Steps).Select(s => (double)s).ToArray();
        foreach (var curve in picture.Curves)
            chart.AddSeries(curve.Name, steps, LrRecorder.Record(curve.Build, picture.Steps, curve.Metric));
        var path = Path.Combine(folder.FullName, picture.File + ".svg");
        chart.Save(path);
        charts.Add(chart);
        Console.WriteLine(path);
    }
    var overview = Path.Combine(folder.FullName, "overview.svg");
    SvgChart.SaveGrid(overview, $"SharpOptim learning-rate schedulers (base lr {LrRecorder.BaseLr})", charts, columns: 3);
    Console.WriteLine(overview);
    return 0;
});
return root.Parse(args).Invoke();
