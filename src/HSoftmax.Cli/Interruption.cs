using System.Runtime.InteropServices;

namespace HSoftmax.Cli;

/// <summary>
/// Turns the first Ctrl-C (SIGINT) or SIGTERM into a cancellation that the run honours at its next safe
/// point: it stops training or writing, removes its temporary files, says so and exits 130 or 143. A
/// second signal kills the process at once, as a user pressing Ctrl-C twice expects.
/// </summary>
/// <remarks>
/// System.CommandLine's own handler is turned off (Program): it ends the process after a timeout,
/// before the run has cleaned up or printed why it stopped.
/// </remarks>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;
    private volatile int _signal;

    public Interruption(CancellationToken outer)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _source.Token;

    /// <summary>The shell's exit code for the signal that stopped the run: 128 + its number.</summary>
    public int ExitCode => _signal == 15 ? 143 : 130;

    private void Handle(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return;  // the second signal: let it end the process
        context.Cancel = true;
        _signal = context.Signal == PosixSignal.SIGTERM ? 15 : 2;
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _source.Dispose();
    }
}
