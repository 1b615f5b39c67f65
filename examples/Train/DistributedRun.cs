using System.Globalization;
using SharpOptim.Distributed;

namespace SharpOptim.Examples.Train;

/// <summary>--distributed: joins the MPI process group, trains with <see cref="DistributedTrainer"/>, and rank 0 reports.</summary>
public static class DistributedRun
{
    public static int Run(TrainOptions options, bool zero, Split train, Split test)
    {
        if (DistributedTrainer.Unsupported(options, zero) is { } problem)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        Dist.InitProcessGroup();
        int rank = Dist.GetRank();
        if (rank == 0)
        {
            var display = TrainingDisplay.Create();
            display.Header(options, train.Count, test.Count);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Data-parallel over {Dist.GetWorldSize()} MPI ranks: DistributedDataParallel{(zero ? " + ZeroRedundancyOptimizer" : "")}, {Math.Max(1, options.BatchSize / Dist.GetWorldSize())} rows per rank per step"));
            var result = display.Run(progress => new DistributedTrainer(options, zero, train, test).Run(progress));
            display.Summary(result, test.Count);
        }
        else new DistributedTrainer(options, zero, train, test).Run(new SilentProgress());
        Dist.DestroyProcessGroup();
        return 0;
    }
}
