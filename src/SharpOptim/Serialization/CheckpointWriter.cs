using System.Text;

namespace SharpOptim.Serialization;

/// <summary>Writes a checkpoint in PyTorch's zip format: the records torch.save writes, in its order.</summary>
internal static class CheckpointWriter
{
    public static void Save(object? value, Stream output, string archiveName)
    {
        var (pickle, storages) = Prepare(value, archiveName);
        Write(output, archiveName, pickle, storages);
    }

    /// <summary>Saves to a file, created only once everything is validated (so a value that cannot be saved leaves no file).</summary>
    public static void Save(object? value, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string archiveName = ArchiveNameFor(path);
        var (pickle, storages) = Prepare(value, archiveName);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(file, archiveName, pickle, storages);
    }

    /// <summary>Pickles the value (which validates all of it) and checks that the archive will fit, before anything is written.</summary>
    private static (byte[] Pickle, List<Storage> Storages) Prepare(object? value, string archiveName)
    {
        using var pickler = new PickleWriter();
        var pickle = pickler.Dump(value);
        CheckFits(pickle, pickler.Storages, archiveName);
        return (pickle, pickler.Storages);
    }

    /// <summary>
    /// The archive must fit the classic zip fields SharpOptim writes (offsets below 4 GiB, fewer
    /// than 65535 records). Checked on an upper bound before anything is written; the zip
    /// writer checks the exact figures again.
    /// </summary>
    private static void CheckFits(byte[] pickle, List<Storage> storages, string archiveName)
    {
        // Per record: headers, padding, descriptor, and its name twice (local and central), at most 40 bytes after the folder.
        long perRecord = ZipLayout.LocalHeaderSize + 4 + TorchZipWriter.Alignment + 16 + ZipLayout.CentralHeaderSize + 2 * (Encoding.UTF8.GetByteCount(archiveName) + 40);
        long total = pickle.Length + (storages.Count + 8) * perRecord;
        foreach (var s in storages) total += (long)s.Length * s.DType.ElementSize();
        if (total >= uint.MaxValue || storages.Count + 8 >= ushort.MaxValue)
            throw new NotSupportedException("checkpoints of 4 GiB or more (or with 65535 records) need zip64 records, which SharpOptim does not write");
    }

    private static void Write(Stream output, string archiveName, byte[] pickle, List<Storage> storages)
    {
        var zip = new TorchZipWriter(output, archiveName);
        zip.WriteRecord("data.pkl", pickle);
        zip.WriteRecord(".format_version", "1"u8);
        zip.WriteRecord(".storage_alignment", Encoding.ASCII.GetBytes(TorchZipWriter.Alignment.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        zip.WriteRecord("byteorder", BitConverter.IsLittleEndian ? "little"u8 : "big"u8);
        for (int i = 0; i < storages.Count; i++)
            zip.WriteRecord($"data/{i}", storages[i].Bytes());
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
