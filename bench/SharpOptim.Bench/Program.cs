// Optimizer-step benchmark: SharpOptim beside PyTorch 2.14 (bench/README.md).
//   dotnet run -c Release --project bench/SharpOptim.Bench [-- --algorithms adam,sgd --cases a,b,c]
//   dotnet run -c Release --project bench/SharpOptim.Bench -- --train   (examples/Train end to end beside PyTorch)
using System.CommandLine;
using SharpOptim;
using SharpOptim.Bench;

var algorithms = new Option<string>("--algorithms") { Description = "Comma-separated algorithms (default: all)", DefaultValueFactory = _ => "all" };
var cases = new Option<string>("--cases") { Description = "Comma-separated cases among a, b, c", DefaultValueFactory = _ => "a,b,c" };
var repeats = new Option<int>("--repeats") { Description = "Timed steps per configuration (the median is reported)", DefaultValueFactory = _ => 10 };
var warmup = new Option<int>("--warmup") { Description = "Untimed steps first", DefaultValueFactory = _ => 3 };
var threads = new Option<int>("--threads") { Description = "Threads for both libraries", DefaultValueFactory = _ => Environment.ProcessorCount };
var oracle = new Option<string>("--oracle") { Description = "PyTorch's python (the oracle)", DefaultValueFactory = _ => "../shared/oracle/python" };
var output = new Option<string?>("--markdown") { Description = "Also write the table as markdown to this file" };

var root = new RootCommand("Time one optimizer step of SharpOptim and PyTorch on the same shapes.")
{
    algorithms, cases, repeats, warmup, threads, oracle, output, TrainComparison.Flag, TrainComparison.Runs, TrainComparison.Program,
};
root.SetAction(parsed =>
{
    if (parsed.GetValue(TrainComparison.Flag))
        return TrainComparison.Run(parsed.GetValue(TrainComparison.Runs), parsed.GetValue(threads), parsed.GetValue(oracle)!,
                                     parsed.GetValue(TrainComparison.Program), Console.Out);
    var names = parsed.GetValue(algorithms) is "all" or null
        ? BenchAlgorithms.Names.ToArray()
        : parsed.GetValue(algorithms)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var unknown = names.Where(n => !BenchAlgorithms.Names.Contains(n, StringComparer.OrdinalIgnoreCase)).ToArray();
    if (unknown.Length > 0)
    {
        Console.Error.WriteLine($"Unknown algorithm(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", BenchAlgorithms.Names)}.");
        return 2;
    }
    var shapes = parsed.GetValue(cases)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(c => BenchCase.Standard.FirstOrDefault(s => s.Name == c) ?? throw new ArgumentException($"unknown case '{c}' (a, b or c)"))
        .ToArray();
    Torch.SetNumThreads(parsed.GetValue(threads));
    var torch = new TorchRunner(Path.GetFullPath(parsed.GetValue(oracle)!), "bench/torch_bench.py", parsed.GetValue(threads));
    var report = new BenchReport(torch.Available);
    if (!torch.Available)
        Console.WriteLine($"PyTorch was not found ({parsed.GetValue(oracle)}): printing SharpOptim's figures only.");
    foreach (var shape in shapes)
        foreach (var name in names)
            report.Add(BenchRunner.Measure(name, shape, torch, parsed.GetValue(warmup), parsed.GetValue(repeats)));
    report.Print(Console.Out, torch.Version);
    if (parsed.GetValue(output) is { } path) report.WriteMarkdown(path, torch.Version, parsed.GetValue(threads));
    return 0;
});
return root.Parse(args).Invoke();
