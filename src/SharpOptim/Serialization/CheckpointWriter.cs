using System.Text;

namespace SharpOptim.Serialization;

/// <summary>Writes a checkpoint in PyTorch's zip format: the records torch.save writes, in its order.</summary>
internal static class CheckpointWriter
{
    public static void Save(object? value, Stream output, string archiveName)
    {
        // Pickling first validates everything, so a value that cannot be saved leaves no partial file.
        var pickler = new PickleWriter();
        var pickle = pickler.Dump(value);
        Write(output, archiveName, pickle, pickler.Storages);
    }

    /// <summary>Saves to a file, created only once the pickle is made (so a value that cannot be saved leaves no file).</summary>
    public static void Save(object? value, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var pickler = new PickleWriter();
        var pickle = pickler.Dump(value);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(file, ArchiveNameFor(path), pickle, pickler.Storages);
    }

    private static void Write(Stream output, string archiveName, byte[] pickle, List<Storage> storages)
    {
        var zip = new TorchZipWriter(output, archiveName);
        zip.WriteRecord("data.pkl", pickle);
        zip.WriteRecord(".format_version", "1"u8);
        zip.WriteRecord(".storage_alignment", Encoding.ASCII.GetBytes(TorchZipWriter.Alignment.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        zip.WriteRecord("byteorder", BitConverter.IsLittleEndian ? "little"u8 : "big"u8);
        for (int i = 0; i < storages.Count; i++)
            zip.WriteRecord($"data/{i}", StorageElement.BytesOf(storages[i].Data));
        zip.Finish();
    }

    /// <summary>
    /// PyTorch names the archive folder after the file: its name without directory and extension
    /// (<c>checkpoints/opt.pt</c> → <c>opt</c>). Where PyTorch would use a Python stream instead
    /// (a non-ASCII name) or fail (an empty one), the folder is <c>archive</c>, as for streams.
    /// </summary>
    public static string ArchiveNameFor(string path)
    {
        int start = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\')) + 1;
        int dot = path.LastIndexOf('.');
        string name = dot >= start ? path[start..dot] : path[start..];
        return name.Length == 0 || name.Any(c => c > 0x7F) ? "archive" : name;
    }
}
