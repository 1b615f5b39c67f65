using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace SharpOptim.Bench;

/// <summary>One timed save or load: seconds, and for a load the memory it took beyond the tensors it returned.</summary>
public sealed record CheckpointMeasurement(double Seconds, long? ExtraPeakBytes = null, long? ExtraAllocatedBytes = null, long FileBytes = 0);

/// <summary>A library that saves and loads the benchmark's state dict on command.</summary>
public interface ICheckpointSide : IDisposable
{
    CheckpointMeasurement Save();
    CheckpointMeasurement Load();
}

/// <summary>SharpOptim's side, in the bench's own process: <c>Torch.Save</c> and <c>Torch.Load</c>.</summary>
public sealed class OurCheckpointSide : ICheckpointSide
{
    private readonly OrderedDictionary<string, object?> _state = new();
    private readonly string _path;
    private readonly long _dataBytes;

    /// <summary>For each layer a rows × cols weight and a rows bias, random normal float32.</summary>
    public OurCheckpointSide(int layers, int rows, int cols, string path)
    {
        var generator = new Generator(0);
        for (int i = 0; i < layers; i++)
        {
            _state[$"layers.{i}.weight"] = Torch.Randn([rows, cols], generator: generator);
            _state[$"layers.{i}.bias"] = Torch.Randn([rows], generator: generator);
        }
        _dataBytes = (long)layers * (rows * cols + rows) * sizeof(float);
        _path = path;
    }

    public CheckpointMeasurement Save()
    {
        File.Delete(_path);
        var clock = Stopwatch.StartNew();
        Torch.Save(_state, _path);
        return new CheckpointMeasurement(clock.Elapsed.TotalSeconds);
    }

    public CheckpointMeasurement Load()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = ProcessMemory.ResidentBytes();
        bool canPeak = ProcessMemory.ResetPeak();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var loaded = Torch.Load<OrderedDictionary<string, object?>>(_path);
        double seconds = clock.Elapsed.TotalSeconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - _dataBytes;
        long? peak = canPeak ? ProcessMemory.PeakResidentBytes() - before - _dataBytes : null;
        if (loaded.Count != _state.Count) throw new InvalidDataException($"loaded {loaded.Count} entries of {_state.Count}");
        return new CheckpointMeasurement(seconds, peak, allocated, new FileInfo(_path).Length);
    }

    public void Dispose() => File.Delete(_path);
}

/// <summary>
/// PyTorch's side: bench/torch_checkpoint.py in the oracle, kept running and driven one command at
/// a time over stdin/stdout, so that its saves and loads interleave with ours.
/// </summary>
public sealed class TorchCheckpointSide : ICheckpointSide
{
    public const string Script = "bench/torch_checkpoint.py";

    private readonly Process _process;

    public string? Version { get; }

    public TorchCheckpointSide(string python, int layers, int rows, int cols, string folder, int threads)
    {
        var request = new JsonObject { ["layers"] = layers, ["rows"] = rows, ["cols"] = cols, ["dir"] = folder, ["threads"] = threads };
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(request.ToJsonString());
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {python}");
        Version = Reply()["torch_version"]?.GetValue<string>();
    }

    public CheckpointMeasurement Save() => new(Command("save")["seconds"]!.GetValue<double>());

    public CheckpointMeasurement Load()
    {
        var reply = Command("load");
        return new CheckpointMeasurement(reply["seconds"]!.GetValue<double>(), reply["extra_peak_bytes"]?.GetValue<long>(),
                                         FileBytes: reply["file_bytes"]!.GetValue<long>());
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromMinutes(1))) _process.Kill();
        }
        _process.Dispose();
    }

    private JsonNode Command(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        return Reply();
    }

    private JsonNode Reply()
    {
        string? line = _process.StandardOutput.ReadLine();
        var reply = line is null ? null : JsonNode.Parse(line);
        if (reply is null) throw new InvalidOperationException($"{Script} stopped (exit code {(_process.WaitForExit(5000) ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none")}); its errors are above");
        if (reply["error"] is { } error) throw new InvalidOperationException($"{Script}: {error}");
        return reply;
    }
}
