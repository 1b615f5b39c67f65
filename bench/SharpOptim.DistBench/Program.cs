// docs/benchmarks-distributed.md (bench/README.md, "Distributed"):
//   dotnet run -c Release --project bench/SharpOptim.DistBench [-- --ranks 2 --max-mib 256 --markdown FILE]
// launches itself under mpiexec: once with SharpOptim's malloc settings (the default), once
// without (SHARPOPTIM_MALLOC_TUNING=0), and writes the tables.
using SharpOptim.Distributed;
using SharpOptim.DistBench;

if (args.Length >= 1 && args[0] == "--rank")
{
    Dist.InitProcessGroup();
    RankMeasurements.Run(int.Parse(args[1]), full: args[2] == "full");
    Dist.DestroyProcessGroup();
    return 0;
}
return Orchestrator.Run(args);
