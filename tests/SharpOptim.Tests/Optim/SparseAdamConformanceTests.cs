using System.Text.Json.Nodes;
using SharpOptim;
using SharpOptim.Optim;
using SharpOptim.Tests.Golden;
using Xunit;

namespace SharpOptim.Tests.Optim;

/// <summary>
/// SparseAdam against PyTorch 2.14 over PyTorch's own option grid (optim_inputs_func_sparseadam),
/// float32 and float64, 100 steps of a sparse embedding (fixtures by tools/golden/sparse_adam.py).
/// The shared OptimizerConformance suite replays dense gradients, which SparseAdam refuses, so
/// the same checks are made here on the recorded sparse gradients.
/// </summary>
public class SparseAdamConformanceTests
{
    public static IEnumerable<object[]> TrajectoryCases()
        => SparseAdamFixture.CaseIds().SelectMany(id => new[] { "reference", "foreach", "default", "fused" }.Select(path => new object[] { id, path }));

    public static IEnumerable<object[]> Cases() => SparseAdamFixture.CaseIds().Select(id => new object[] { id });

    /// <summary>Every recorded step, on PyTorch's (uncoalesced) gradients, within 1e-10 (float64) / 1e-5 (float32) on each path.</summary>
    [Theory]
    [MemberData(nameof(TrajectoryCases))]
    public void MatchesPyTorchTrajectory(string caseId, string path)
    {
        var testCase = SparseAdamFixture.Case(caseId);
        var problem = SparseAdamFixture.Problem(testCase);
        var optimizer = SparseAdamFixture.Create(problem.Weight, testCase, path);
        SparseAdamFixture.Replay(optimizer, problem, testCase, 0, testCase["steps"]!.AsArray().Count, $"{caseId} ({path})");
    }

    /// <summary>The foreach kernel rounds exactly as the reference path, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ForeachKernelIsBitIdenticalToReference(string caseId)
    {
        var testCase = SparseAdamFixture.Case(caseId);
        var (reference, referenceWeight) = Run(testCase, "reference");
        var (kernel, kernelWeight) = Run(testCase, "foreach");
        Tolerance.AssertIdentical(kernelWeight, referenceWeight, $"{caseId} weight");
        Assert.Equal(reference.State[referenceWeight]["step"], kernel.State[kernelWeight]["step"]);
        foreach (var key in new[] { "exp_avg", "exp_avg_sq" })
            Tolerance.AssertIdentical((Tensor)kernel.State[kernelWeight][key]!, (Tensor)reference.State[referenceWeight][key]!, $"{caseId} {key}");
    }

    private static (SparseAdam, Tensor) Run(JsonObject testCase, string path)
    {
        var problem = SparseAdamFixture.Problem(testCase);
        var optimizer = SparseAdamFixture.Create(problem.Weight, testCase, path);
        foreach (var step in testCase["steps"]!.AsArray())
        {
            problem.Weight.Grad = problem.RecordedGrad(step!);
            optimizer.Step();
        }
        return (optimizer, problem.Weight);
    }

    /// <summary>
    /// Closed loop: our own Embedding(sparse: true), head and loss make the gradients, so the
    /// sparse autograd and SparseAdam are checked together against PyTorch's whole run; the
    /// gradient of each step is compared with PyTorch's too (densified: the order of duplicate
    /// entries is not part of the contract).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ClosedLoopWithOwnSparseEmbeddingMatchesPyTorch(string caseId)
    {
        var testCase = SparseAdamFixture.Case(caseId);
        var problem = SparseAdamFixture.Problem(testCase);
        var dtype = problem.Weight.DType;
        double tolerance = Tolerance.For(dtype);
        var optimizer = SparseAdamFixture.Create(problem.Weight, testCase, "default");
        var steps = testCase["steps"]!.AsArray();
        for (int k = 0; k < steps.Count; k++)
        {
            optimizer.ZeroGrad();
            var loss = problem.Loss(k);
            Tolerance.AssertClose(loss, [Fixture.Number(steps[k]!["loss"])], dtype, $"{caseId} loss at step {k + 1}", tolerance);
            loss.Backward();
            Assert.True(problem.Weight.Grad!.IsSparse);
            Tolerance.AssertClose(problem.Weight.Grad.ToDense(), problem.RecordedGrad(steps[k]!).ToDense().ToDoubleArray(), dtype, $"{caseId} grad at step {k + 1}", tolerance);
            optimizer.Step();
            SparseAdamFixture.AssertStep(optimizer, problem.Weight, steps[k]!, tolerance, $"{caseId} closed-loop step {k + 1}");
        }
    }
}
