// One scenario per run, launched by the distributed tests:
//   mpiexec -n N dotnet SharpOptim.Distributed.Worker.dll SCENARIO [ARGS...]
// A failed check throws; the unhandled exception aborts every rank with the message.
using SharpOptim.Distributed;
using SharpOptim.Distributed.Worker;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: SharpOptim.Distributed.Worker SCENARIO [ARGS...]");
    return 2;
}
if (args[0] == "no-launcher")
{
    // Started without mpiexec: InitProcessGroup must say what to run.
    try { Dist.InitProcessGroup(); }
    catch (InvalidOperationException e) { Console.WriteLine(e.Message); return 0; }
    return 1;
}
Dist.InitProcessGroup();
Scenarios.Run(args[0], args[1..]);
Dist.DestroyProcessGroup();
return 0;
