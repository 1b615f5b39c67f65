// Optimizer-step benchmark: SharpOptim beside PyTorch 2.14 (bench/README.md).
//   dotnet run -c Release --project bench/SharpOptim.Bench [-- --algorithms adam,sgd --cases a,b,c --scaling --train --checkpoint --markdown docs/benchmarks.md]
using System.CommandLine;
using SharpOptim;
using SharpOptim.Bench;

var algorithms = new Option<string>("--algorithms") { Description = "Comma-separated algorithms (default: all)", DefaultValueFactory = _ => "all" };
var cases = new Option<string>("--cases") { Description = "Comma-separated cases among a, b, c, or none", DefaultValueFactory = _ => "a,b,c" };
var repeats = new Option<int>("--repeats") { Description = "Timed steps per configuration (the median is reported)", DefaultValueFactory = _ => 10 };
var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (at least)", DefaultValueFactory = _ => 3 };
var threads = new Option<int>("--threads") { Description = "Threads for both libraries", DefaultValueFactory = _ => Environment.ProcessorCount };
var oracle = new Option<string>("--oracle") { Description = "PyTorch's python (the oracle)", DefaultValueFactory = _ => "tools/oracle/python" };
var referenceDir = new Option<string?>("--reference-dir") { Description = "Folder (under the repository) with the reference implementations of algorithms torch.optim lacks (bench/README.md)" };
var output = new Option<string?>("--markdown") { Description = "Also write the whole report (docs/benchmarks.md) to this file" };
var followUps = new FollowUpRuns();

var root = new RootCommand("Time one optimizer step of SharpOptim and PyTorch on the same shapes.")
{
    algorithms, cases, repeats, warmup, threads, oracle, referenceDir, output, TrainComparison.Flag, TrainComparison.Runs, TrainComparison.Program,
    CheckpointBench.Flag, CheckpointBench.Layers, CheckpointBench.Repeats, CheckpointBench.Folder,
};
followUps.AddTo(root);
root.SetAction(parsed =>
{
    var machine = MachineInfo.Describe(); // before the bench loads the machine
    string[] names;
    BenchCase[] shapes;
    try
    {
        names = BenchAlgorithms.Parse(parsed.GetValue(algorithms));
        shapes = BenchCase.Parse(parsed.GetValue(cases));
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
    var warmupPolicy = new Warmup(parsed.GetValue(warmup), parsed.GetValue(followUps.WarmupSeconds));
    Torch.SetNumThreads(parsed.GetValue(threads));
    var torch = new TorchRunner(Path.GetFullPath(parsed.GetValue(oracle)!), "bench/torch_bench.py", parsed.GetValue(threads), parsed.GetValue(referenceDir));
    var report = new BenchReport(torch.Available);
    if (!torch.Available)
        Console.WriteLine($"PyTorch was not found ({parsed.GetValue(oracle)}): printing SharpOptim's figures only.");
    foreach (var shape in shapes)
        foreach (var name in names)
            report.Add(BenchRunner.Measure(name, shape, torch, warmupPolicy, parsed.GetValue(repeats)));
    if (!report.IsEmpty) report.Print(Console.Out, torch.Version);
    var document = followUps.Run(parsed, report, torch, machine, warmupPolicy, parsed.GetValue(repeats), parsed.GetValue(threads), parsed.GetValue(output), args);
    if (parsed.GetValue(TrainComparison.Flag))
    {
        var training = new StringWriter();
        int status = TrainComparison.Run(parsed.GetValue(TrainComparison.Runs), parsed.GetValue(threads), parsed.GetValue(oracle)!,
                                         parsed.GetValue(TrainComparison.Program), training);
        if (status != 0) return status;
        Console.Write(training.ToString());
        document.TrainingComparison = training.ToString().TrimEnd().Split('\n');
    }
    if (parsed.GetValue(CheckpointBench.Flag))
        document.Checkpoints = CheckpointBench.Run(parsed.GetValue(CheckpointBench.Layers), parsed.GetValue(CheckpointBench.Repeats),
                                                   parsed.GetValue(CheckpointBench.Folder)!, parsed.GetValue(threads), parsed.GetValue(oracle)!);
    if (parsed.GetValue(output) is { } path) document.Write(path);
    return 0;
});
return root.Parse(args).Invoke();
