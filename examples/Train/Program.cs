// Trains an MLP on the bundled handwritten-digits data with SharpOptim:
//   dotnet run -c Release --project examples/Train [-- --optimizer adam --scheduler one-cycle --epochs 30 ...]
using System.CommandLine;
using SharpOptim.Examples.Train;

var optimizer = new Option<string>("--optimizer")
{
    Description = $"Optimizer to train with ({string.Join(", ", OptimizerCatalog.Names)})",
    DefaultValueFactory = _ => "sgd",
    HelpName = "name",
};
optimizer.Validators.Add(r =>
{
    var name = r.GetValueOrDefault<string>();
    if (!OptimizerCatalog.IsSupported(name))
        r.AddError($"Unknown optimizer '{name}'. Supported optimizers: {string.Join(", ", OptimizerCatalog.Names)}.");
});
var scheduler = new Option<string>("--scheduler")
{
    Description = $"Learning-rate schedule ({string.Join(", ", SchedulerCatalog.Names)})",
    DefaultValueFactory = _ => "cosine",
    HelpName = "name",
};
scheduler.Validators.Add(r =>
{
    var name = r.GetValueOrDefault<string>();
    if (!SchedulerCatalog.IsSupported(name))
        r.AddError($"Unknown scheduler '{name}'. Supported schedulers: {string.Join(", ", SchedulerCatalog.Names)}.");
});
var lr = new Option<double?>("--lr")
{
    Description = "Base learning rate (default: the optimizer's own: " +
                  string.Join(", ", OptimizerCatalog.Names.Select(n => $"{n} {OptimizerCatalog.Get(n).DefaultLr.ToString(System.Globalization.CultureInfo.InvariantCulture)}")) + ")",
};
lr.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is double v && !(v > 0)) r.AddError("--lr must be a positive number."); });
var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 30 };
epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--epochs must be at least 1."); });
var seed = new Option<long>("--seed") { Description = "Seed for weight initialisation and batch order", DefaultValueFactory = _ => 0 };
var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 32 };
batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch-size must be at least 1."); });
var swa = new Option<bool>("--swa") { Description = $"Stochastic Weight Averaging over the last {1 - TrainOptions.SwaStartFraction:P0} of the epochs, with SWALR" };
var swaLr = new Option<double>("--swa-lr") { Description = "Learning rate SWALR anneals to", DefaultValueFactory = _ => 0.01 };
swaLr.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--swa-lr must be a positive number."); });
var ema = new Option<double?>("--ema") { Description = "Also keep an exponential moving average of the weights with this decay (e.g. 0.999)", HelpName = "decay" };
ema.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is double d && !(d >= 0 && d <= 1)) r.AddError("--ema must be a decay in [0, 1]."); });
var save = new Option<string?>("--save") { Description = "Write a checkpoint (PyTorch's .pt format) after every epoch; {epoch} in the path is replaced by the epoch number", HelpName = "path" };
var resume = new Option<string?>("--resume") { Description = "Continue a run from a checkpoint written by --save (same options)", HelpName = "path" };
resume.Validators.Add(r => { if (r.GetValueOrDefault<string?>() is { } path && !File.Exists(path)) r.AddError($"--resume: no file '{path}'."); });
var compare = new Option<bool>("--compare") { Description = "Train with every optimizer in turn; print a table and write the loss curves (--chart)" };
var distributed = new Option<bool>("--distributed") { Description = "Train data-parallel over the ranks of an MPI launcher: mpiexec -n 2 dotnet run -c Release --project examples/Train -- --distributed" };
var zero = new Option<bool>("--zero") { Description = "With --distributed: shard the optimizer state over the ranks (ZeroRedundancyOptimizer)" };
var chart = new Option<string>("--chart") { Description = "Where --compare writes its SVG chart", DefaultValueFactory = _ => "optimizer-comparison.svg", HelpName = "path" };

var root = new RootCommand("Train an MLP 64-128-10 on the UCI handwritten digits with SharpOptim.")
{
    optimizer, scheduler, lr, epochs, seed, batchSize, swa, swaLr, ema, save, resume, compare, chart, distributed, zero,
};
root.Validators.Add(r =>
{
    if (r.GetValue(zero) && !r.GetValue(distributed)) r.AddError("--zero needs --distributed.");
    if (r.GetValue(distributed) && r.GetValue(compare)) r.AddError("--compare is not supported with --distributed.");
});
root.SetAction(parsed =>
{
    var options = new TrainOptions(
        parsed.GetValue(optimizer)!, parsed.GetValue(lr), parsed.GetValue(epochs), parsed.GetValue(seed), parsed.GetValue(batchSize),
        parsed.GetValue(scheduler)!, parsed.GetValue(swa), parsed.GetValue(swaLr), parsed.GetValue(ema),
        parsed.GetValue(save), parsed.GetValue(resume));
    var (train, test) = DigitsData.Load().SplitTrainTest();
    if (parsed.GetValue(distributed)) return DistributedRun.Run(options, parsed.GetValue(zero), train, test);
    if (parsed.GetValue(compare))
    {
        Compare.Run(options, train, test, parsed.GetValue(chart)!);
        return 0;
    }
    try
    {
        if (options.ResumePath is not null) ResumeCheck.Verify(options);
        var display = TrainingDisplay.Create();
        display.Header(options, train.Count, test.Count);
        var result = display.Run(progress => new Trainer(options, train, test).Run(progress));
        display.Summary(result, test.Count);
        return 0;
    }
    catch (ResumeException e)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
});
return root.Parse(args).Invoke();
