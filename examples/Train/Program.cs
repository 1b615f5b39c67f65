// Trains an MLP on the bundled handwritten-digits data with SharpOptim:
//   dotnet run -c Release --project examples/Train [-- --epochs 30 --lr 0.05 ...]
using System.CommandLine;
using SharpOptim.Examples.Train;

var optimizer = new Option<string>("--optimizer")
{
    Description = $"Optimizer to train with ({string.Join(", ", Optimizers.Names)})",
    DefaultValueFactory = _ => "sgd",
    HelpName = "name",
};
optimizer.Validators.Add(r =>
{
    var name = r.GetValueOrDefault<string>();
    if (!Optimizers.IsSupported(name))
        r.AddError($"Unknown optimizer '{name}'. Supported optimizers: {string.Join(", ", Optimizers.Names)}.");
});
var lr = new Option<double>("--lr") { Description = "Base learning rate (decayed by a cosine over the run)", DefaultValueFactory = _ => 0.05 };
lr.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--lr must be a positive number."); });
var epochs = new Option<int>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => 30 };
epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--epochs must be at least 1."); });
var seed = new Option<long>("--seed") { Description = "Seed for weight initialisation and batch order", DefaultValueFactory = _ => 0 };
var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 32 };
batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch-size must be at least 1."); });

var root = new RootCommand("Train an MLP 64-128-10 on the UCI handwritten digits with SharpOptim.")
{
    optimizer, lr, epochs, seed, batchSize,
};
root.SetAction(parsed =>
{
    var options = new TrainOptions(
        parsed.GetValue(optimizer)!, parsed.GetValue(lr), parsed.GetValue(epochs), parsed.GetValue(seed), parsed.GetValue(batchSize));
    var (train, test) = DigitsData.Load().SplitTrainTest();
    var display = TrainingDisplay.Create();
    display.Header(options, train.Count, test.Count);
    var result = display.Run(progress => new Trainer(options, train, test).Run(progress));
    display.Summary(result, test.Count);
    return 0;
});
return root.Parse(args).Invoke();
