namespace SharpOptim.Optim.SwaUtils;

/// <summary>
/// Averages one parameter (PyTorch's <c>avg_fn</c>): returns the new average from the current
/// average, the model's current value and the number of models averaged so far. The result is
/// copied into the average.
/// </summary>
public delegate Tensor AvgFn(Tensor averagedParam, Tensor currentParam, IntOrTensor numAveraged);

/// <summary>
/// Averages a list of parameters in place (PyTorch's <c>multi_avg_fn</c>): updates each
/// <c>averagedParams[i]</c> from <c>currentParams[i]</c>. <see cref="AveragedModel"/> calls it
/// once per dtype group, so all tensors of one call share a dtype.
/// </summary>
public delegate void MultiAvgFn(IReadOnlyList<Tensor> averagedParams, IReadOnlyList<Tensor> currentParams, IntOrTensor numAveraged);
