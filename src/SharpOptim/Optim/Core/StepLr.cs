namespace SharpOptim.Optim;

/// <summary>
/// A group's lr read before a step changes anything, in the form its path computes with: a
/// <see cref="PyNumber"/> for the reference path (tensor ops), a <see cref="HyperScalar"/> for the
/// kernels (numbers rounded as the tensor ops would round them). NAdam, RAdam and ASGD.
/// </summary>
internal readonly record struct StepLr(PyNumber Reference, HyperScalar Kernel)
{
    public static StepLr Read(ParamGroup group, StepImplementation implementation)
        => implementation == StepImplementation.Reference
            ? new(PyNumber.FromOption(group.Peek("lr"), "lr"), default)
            : new(default, HyperScalar.Of(FloatOrTensor.ReadLr(group)));
}
