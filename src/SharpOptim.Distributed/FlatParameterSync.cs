using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpOptim.Distributed;

/// <summary>
/// After each rank has stepped its own parameters, one in-place MPI_Allgather over a flat pinned
/// byte buffer gives every rank everyone's (PyTorch broadcasts each rank's parameters in turn;
/// one all-gather was measured 3–5× faster). Each rank owns a slot as large as the largest
/// rank's parameters; raw bytes, so mixed dtypes need no extra call.
/// </summary>
internal sealed unsafe class FlatParameterSync
{
    private readonly List<Tensor>[] _owned;   // per rank, its parameters in slot order
    private readonly byte[] _buffer;
    private readonly int _slotBytes;
    private readonly int _rank;

    public FlatParameterSync(List<Tensor>[] ownedByRank, int rank)
    {
        _owned = ownedByRank;
        _rank = rank;
        long largest = 0;
        foreach (var list in ownedByRank) largest = Math.Max(largest, list.Sum(p => (long)p.AsBytes().Length));
        largest = (largest + 7) / 8 * 8;   // keep every slot 8-byte aligned
        if (largest * ownedByRank.Length > Array.MaxLength)
            throw new NotSupportedException($"ZeroRedundancyOptimizer's parameter buffer would need {largest * ownedByRank.Length} bytes; more than one array holds");
        _slotBytes = (int)largest;
        _buffer = GC.AllocateArray<byte>(Math.Max(1, _slotBytes * ownedByRank.Length), pinned: true);
    }

    public void Run()
    {
        var own = _buffer.AsSpan(_rank * _slotBytes, _slotBytes);
        int at = 0;
        foreach (var p in _owned[_rank])
        {
            var bytes = p.AsBytes();
            bytes.CopyTo(own[at..]);
            at += bytes.Length;
        }
        if (_owned.Length > 1)
            Mpi.Mpi.AllGatherInPlace(Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer)), _slotBytes);
        for (int r = 0; r < _owned.Length; r++)
        {
            if (r == _rank) continue;
            var slot = _buffer.AsSpan(r * _slotBytes, _slotBytes);
            at = 0;
            foreach (var p in _owned[r])
            {
                var target = Dist.MutableBytes(p);
                slot.Slice(at, target.Length).CopyTo(target);
                at += target.Length;
                p.MarkModified();
            }
        }
    }
}
