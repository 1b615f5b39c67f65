using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// SGD's named two-group state dict against PyTorch's (tools/golden/sgd.py). The mid-run save,
/// round trip and load of PyTorch's dict run in <see cref="SgdConformanceTests"/> (inherited).
/// </summary>
public class SgdStateDictConformanceTests
{
    [Fact]
    public void NamedTwoGroupLayoutMatchesPyTorch()
    {
        var record = Fixture.Load(SgdConformanceTests.StateDicts)["named_two_groups"]!;
        var problem = new GoldenProblem(Fixture.Load(SgdConformanceTests.Trajectories)["problem"]!, DType.Float64);
        // SGD([{"params": [("W", W), ("b", b)], "lr": 0.1}, {"params": [("s", s)], "momentum": 0.5}], lr=0.01, momentum=0.9)
        var optimizer = new SGD(
        [
            new ParamGroup([("W", problem.W), ("b", problem.B)]) { ["lr"] = 0.1 },
            new ParamGroup([("s", problem.S)]) { ["momentum"] = 0.5 },
        ], lr: 0.01, momentum: 0.9);
        var steps = record["steps"]!.AsArray();
        foreach (var step in steps)
        {
            problem.SetRecordedGrads(step!);
            optimizer.Step();
        }
        TrajectoryCheck.AssertStep(optimizer, problem, steps[^1]!, DType.Float64, "named two groups");
        StateDictCheck.AssertMatches(optimizer.StateDict(), record["state_dict"]!.AsObject(), DType.Float64);
    }
}
