namespace SharpOptim.Distributed.Worker;

internal static class Scenarios
{
    public static void Run(string name, string[] args)
    {
        switch (name)
        {
            case "collectives": CollectiveScenarios.Run(); break;
            case "noop": break;
            case "ddp": DdpScenarios.Run(); break;
            case "zero": ZeroScenarios.Run(args); break;
            case "shape-mismatch": FailureScenarios.ShapeMismatch(); break;
            case "rank-throws": FailureScenarios.RankThrows(); break;
            case "unused-parameter": FailureScenarios.UnusedParameter(); break;
            default: throw new ArgumentException($"unknown scenario '{name}'");
        }
    }
}
