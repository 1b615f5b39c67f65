using SharpOptim.NN;

namespace SharpOptim.Tests.NN;

/// <summary>
/// Mirror of the <c>Net</c> class in tools/golden/nn.py (same registration order), so its
/// names, state-dict keys and repr can be compared with PyTorch's. It also keeps its layers in
/// fields, the usual C# style, which it re-points in <see cref="OnDeepCopy"/>.
/// </summary>
internal sealed class Net : Module
{
    public Sequential Features { get; private set; }
    public Linear Head { get; private set; }
    public Embedding Emb { get; private set; }

    public Net(DType? dtype = null)
    {
        Features = new Sequential(new Linear(4, 8, dtype: dtype), new BatchNorm1d(8, dtype: dtype), new ReLU(), new Dropout(0.25));
        Head = new Linear(8, 3, bias: false, dtype: dtype);
        Emb = new Embedding(10, 4, sparse: true, dtype: dtype);
        RegisterModule("features", Features);
        RegisterModule("head", Head);
        RegisterBuffer("scale", Torch.Ones([3], dtype));
        RegisterBuffer("scratch", Torch.Zeros([3], dtype), persistent: false);
        RegisterModule("emb", Emb);
        RegisterModule("head2", Head); // the same module twice
    }

    public Tensor Scale => GetBuffer("scale")!;

    public override Tensor Forward(Tensor input) => Head.Call(Features.Call(input)).Mul(Scale);

    protected override void OnDeepCopy(DeepCopyMap map)
    {
        Features = map.Copy(Features);
        Head = map.Copy(Head);
        Emb = map.Copy(Emb);
    }
}

/// <summary>A module with nothing registered in its constructor (for registration tests).</summary>
internal sealed class Bare : Module
{
    public override Tensor Forward(Tensor input) => input;

    public Parameter? Param(string name) => GetParameter(name);
}

/// <summary>A module with a 0-d parameter and a tied (shared) parameter, registered and held in fields.</summary>
internal sealed class Tied : Module
{
    private Parameter _gain;
    private Linear[] _pair;

    public Tied()
    {
        _gain = new Parameter(Torch.Scalar(2.0));
        RegisterParameter("gain", _gain);
        var a = new Linear(3, 3);
        var b = new Linear(3, 3, bias: false);
        b.RegisterParameter("weight", a.Weight); // weight tying
        _pair = [a, b];
        RegisterModule("a", a);
        RegisterModule("b", b);
    }

    public Parameter Gain => _gain;

    public Linear First => _pair[0];

    public Linear Second => _pair[1];

    public override Tensor Forward(Tensor input) => _pair[1].Call(_pair[0].Call(input)).Mul(_gain);

    protected override void OnDeepCopy(DeepCopyMap map)
    {
        _gain = map.Copy(_gain);
        _pair = Array.ConvertAll(_pair, layer => map.Copy(layer));
    }
}
