using System.Text;

namespace SharpOptim.Bench;

/// <summary>
/// docs/benchmarks.md as one run of the bench writes it: the machine, the command, how to read
/// the tables, the step table, Adam beside the C kernel, the scaling run and its chart, and a
/// section for the end-to-end training comparison.
/// </summary>
public sealed class BenchDocument
{
    public required MachineInfo Machine { get; init; }

    /// <summary>The command line that produced the document, as the README would show it.</summary>
    public required string Command { get; init; }

    public required int Threads { get; init; }

    /// <summary>PyTorch's version, or null when the oracle was not found.</summary>
    public string? TorchVersion { get; init; }

    public BenchReport? StepTable { get; init; }

    public CKernelComparison? CKernel { get; init; }

    /// <summary>The C compiler's version when the C kernel ran (in the comparison or the scaling run).</summary>
    public string? CCompiler { get; init; }

    /// <summary>Why there is no C comparison (gcc not found, Adam case a not run); null when there is one.</summary>
    public string? CKernelNote { get; init; }

    public IReadOnlyList<ScalingSeries> Scaling { get; init; } = [];

    /// <summary>The scaling chart's path, relative to the document's folder.</summary>
    public string? ScalingChart { get; init; }

    /// <summary>
    /// Hook for the end-to-end training comparison (the bench's <c>--train</c>, TrainComparison.cs):
    /// its markdown lines, written under "End-to-end training"; null leaves that section saying it was not run.
    /// </summary>
    public IReadOnlyList<string>? TrainingComparison { get; set; }

    /// <summary>The checkpoint comparison (the bench's <c>--checkpoint</c>, CheckpointBench.cs): its markdown lines; null says it was not run.</summary>
    public IReadOnlyList<string>? Checkpoints { get; set; }

    public void Write(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(path, string.Join('\n', Lines()) + "\n", new UTF8Encoding(false));
    }

    private IEnumerable<string> Lines()
    {
        yield return "# Benchmarks";
        yield return "";
        yield return $"Written by `bench/SharpOptim.Bench` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, from one run of the command below " +
                     "(bench/README.md explains every option and column). Each figure is the median of the timed steps that follow a warm-up.";
        foreach (var line in MachineSection()) yield return line;
        yield return "";
        yield return "## Command";
        yield return "";
        yield return "From the repository root:";
        yield return "";
        yield return "```";
        yield return Command;
        yield return "```";
        foreach (var line in HowToRead()) yield return line;
        yield return "";
        yield return "## Optimizer step";
        yield return "";
        if (StepTable is null || StepTable.IsEmpty) yield return "_Not run (`--cases none`)._";
        else foreach (var line in StepTable.Lines(TorchVersion)) yield return line;
        yield return "";
        yield return "## Adam beside a one-pass C kernel";
        yield return "";
        yield return "The issue's reference for Adam on case a: `bench/c/adam_step.c`, the same per-element math in one pass over " +
                     "params, grads and both moments, parallelised with OpenMP over the same number of threads, compiled by the bench with " +
                     $"`{CAdamKernel.CompileCommand}`.";
        yield return "";
        if (CKernel is null) yield return $"_Not run: {CKernelNote}._";
        else foreach (var line in CKernel.Lines()) yield return line;
        yield return "";
        yield return "## Scaling from 1K to 128M elements";
        yield return "";
        if (Scaling.Count == 0) yield return "_Not run (pass `--scaling`)._";
        else foreach (var line in ScalingSection()) yield return line;
        yield return "";
        yield return "## End-to-end training (examples/Train)";
        yield return "";
        // Filled by the training comparison (TrainComparison.cs) through TrainingComparison.
        if (TrainingComparison is null) yield return "_Not run in this benchmark._";
        else foreach (var line in TrainingComparison) yield return line;
        yield return "";
        yield return "## Checkpoints (torch.save / torch.load)";
        yield return "";
        if (Checkpoints is null) yield return "_Not run (pass `--checkpoint`)._";
        else foreach (var line in Checkpoints) yield return line;
        yield return "";
        yield return "## Distributed (MPI)";
        yield return "";
        // Ranks run under mpiexec, so that benchmark is its own program and writes its own page.
        yield return "Collectives, ZeRO against the unsharded optimizer and DDP's gradient-sync cost are measured by " +
                     "`bench/SharpOptim.DistBench` under `mpiexec`: see [benchmarks-distributed.md](benchmarks-distributed.md).";
    }

    private IEnumerable<string> MachineSection()
    {
        yield return "";
        yield return "## Machine";
        yield return "";
        yield return $"* CPU: {Machine.Cpu}, {Machine.LogicalCores} logical cores; both libraries ran with {Threads} threads";
        yield return $"* memory: {Machine.Memory}";
        yield return $"* OS: {Machine.Os}";
        yield return $"* .NET: {Machine.Dotnet}";
        yield return $"* PyTorch: {TorchVersion ?? "not found (SharpOptim's figures only)"}";
        yield return $"* C compiler: {CCompiler ?? "none used"}";
        if (Machine.Commit is not null) yield return $"* SharpOptim commit: {Machine.Commit}";
        if (Machine.LoadAverage is not null)
            yield return $"* load average when the run started (1, 5, 15 min): {Machine.LoadAverage} (anything near the core count means other work shared the machine)";
    }

    private static IEnumerable<string> HowToRead()
    {
        yield return "";
        yield return "## How to read it";
        yield return "";
        yield return "Every time is one `optimizer.Step()` (PyTorch: `opt.step()`) on gradients already in place: no zero_grad, no backward. " +
                     "Params and grads are random normal float32 (grads × 1e-2).";
        yield return "";
        yield return "* **ours default / foreach / fused**: SharpOptim's median ms per step with both flags null (what a user gets), " +
                     "`foreach: true` (the kernel rounding exactly as the reference path) and `fused: true` (the kernel with fused multiply-adds).";
        yield return "* **PyTorch forloop / foreach / fused**: PyTorch's median ms with `foreach=False`, `foreach=True` and `fused=True`; " +
                     "– where PyTorch has no such CPU implementation.";
        yield return "* **Mparams/s**, **GB/s**: our default step's throughput; bytes moved per element count reads of param, grad and " +
                     "every element-wise state tensor plus writes of param and state (Adam float32: 28). GB/s near the machine's memory " +
                     "bandwidth means the step cannot go much faster.";
        yield return "* **speed-up vs PyTorch fastest**: PyTorch's fastest implementation's time divided by our default's (above 1: we are faster).";
        yield return "* **bytes allocated/step**: managed bytes allocated per steady-state step (`GC.GetTotalAllocatedBytes` over 100 steps, 10 on case a).";
        yield return "* **C kernel**, **ours / C**: the one-pass C kernel's time and ours divided by it (below 1.1 meets the issue's target).";
        yield return "* Cases: (a) 1 tensor × 64M elements, (b) 1000 tensors × 16K, (c) 10000 tensors × 100.";
    }

    private IEnumerable<string> ScalingSection()
    {
        yield return "One float32 tensor of each size: our default step, PyTorch's implementations (one python process per size) and, " +
                     "for Adam, the C kernel. The chart plots throughput in GB/s (the same bytes per element for every implementation): " +
                     "higher is better; the plateau on the right is memory bandwidth, the rise in the middle is the caches, and the " +
                     "fall on the left is the fixed cost of a step.";
        yield return "";
        if (ScalingChart is not null)
        {
            yield return $"![Step throughput by tensor size]({ScalingChart.Replace('\\', '/')})";
            yield return "";
        }
        bool withTorch = TorchVersion is not null;
        for (int i = 0; i < Scaling.Count; i++)
        {
            if (i > 0) yield return "";
            foreach (var line in ScalingReport.Lines(Scaling[i], withTorch)) yield return line;
        }
    }
}
