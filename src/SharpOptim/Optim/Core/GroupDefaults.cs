namespace SharpOptim.Optim;

/// <summary>Option defaults that several algorithms give a parameter group alike.</summary>
internal static class GroupDefaults
{
    /// <summary>
    /// The defaults PyTorch's <c>__setstate__</c> gives a group of Adadelta, Adamax, ASGD, RMSprop
    /// and Rprop (after their own keys), in its order, which is the order the keys take in a group
    /// loaded without them. (Other algorithms set other keys or another order, so keep their own.)
    /// </summary>
    public static void SetPathFlags(ParamGroup group)
    {
        group.SetDefault("foreach", null);
        group.SetDefault("maximize", false);
        group.SetDefault("differentiable", false);
        group.SetDefault("capturable", false);
    }
}
