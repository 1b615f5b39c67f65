namespace SharpOptim.Distributed.Worker;

internal static class Scenarios
{
    public static void Run(string name, string[] args)
    {
        switch (name)
        {
            case "collectives": CollectiveScenarios.Run(); break;
            case "noop": break;
            default: throw new ArgumentException($"unknown scenario '{name}'");
        }
    }
}
