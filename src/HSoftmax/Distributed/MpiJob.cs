using System.Runtime.InteropServices;

namespace HSoftmax.Distributed;

/// <summary>
/// This process's place in an MPI job started by <c>mpirun</c>: its rank and the number of ranks, and the
/// few collective calls distributed training makes. A thin binding of Open MPI's C API (libmpi.so.40),
/// whose handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM ...) are the addresses of exported globals, found
/// at run time: nothing is linked at build time, and a machine without Open MPI only fails when asked
/// to run distributed.
/// </summary>
/// <remarks>
/// MPI is initialised for MPI_THREAD_SERIALIZED: the training threads take turns to synchronise (one
/// at a time, under a lock), never calling MPI at once. Errors in MPI calls abort the whole job
/// (MPI's default handler), and a rank that dies makes mpirun stop the others, so a job never hangs
/// on a lost rank. Dispose finalises MPI; <see cref="Abort"/> stops every rank with an exit code.
/// </remarks>
public sealed unsafe class MpiJob : IDisposable
{
    private const int ThreadSerialized = 2;   // MPI_THREAD_SERIALIZED in Open MPI's mpi.h
    private const int MaxCount = 1 << 30;     // MPI counts are ints: large buffers go in pieces
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so", "libmpi.dylib"];
    private static MpiJob? _current;

    private readonly nint _comm, _float, _double, _long, _byte, _sum;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private bool _finalized;

    private MpiJob(nint library)
    {
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out nint address) ? address
            : throw new DistributedException($"--distributed: {name} is missing from the MPI library found; Open MPI 4 or later is needed");
        _comm = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _long = Export("ompi_mpi_int64_t");
        _byte = Export("ompi_mpi_byte");
        _sum = Export("ompi_mpi_op_sum");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        var init = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        var rank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var size = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        int provided, r, n;
        Check(init(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadSerialized)
        {
            // MPI_Abort does not return: say why first.
            Console.Error.WriteLine("hsoftmax: --distributed: this MPI library does not let threads take turns calling it (MPI_THREAD_SERIALIZED)");
            _abort(_comm, 1);
        }
        Check(rank(_comm, &r), "MPI_Comm_rank");
        Check(size(_comm, &n), "MPI_Comm_size");
        Rank = r;
        Size = n;
    }

    /// <summary>This process's rank, 0 to <see cref="Size"/> - 1. Rank 0 counts the corpus and writes the outputs.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks in the job.</summary>
    public int Size { get; }

    /// <summary>Whether this process was started by Open MPI's mpirun (or another launcher that sets its variables).</summary>
    public static bool LaunchedByMpirun =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <summary>Initialises MPI, once per process (MPI cannot be initialised again after it is finalised).</summary>
    /// <exception cref="DistributedException">The process was not started by mpirun, or Open MPI's library is not installed (one-line message).</exception>
    public static MpiJob Start()
    {
        if (_current is not null) throw new InvalidOperationException("MPI is already initialised in this process");
        if (!LaunchedByMpirun)
            throw new DistributedException("--distributed: start the ranks with mpirun, e.g. 'mpirun -np 4 hsoftmax train ... --distributed'");
        nint library = 0;
        foreach (string name in LibraryNames)
            if (NativeLibrary.TryLoad(name, out library)) break;
        if (library == 0)
            throw new DistributedException("--distributed: Open MPI's library (libmpi.so.40) was not found; install Open MPI (Debian: apt-get install openmpi-bin)");
        return _current = new MpiJob(library);
    }

    /// <summary>Rank 0's bytes to every rank; every rank calls it with a buffer of the same length.</summary>
    internal void Broadcast(Span<byte> data)
    {
        fixed (byte* p = data)
            for (long done = 0; done < data.Length; done += MaxCount)
                Check(_bcast(p + done, (int)Math.Min(MaxCount, data.Length - done), _byte, 0, _comm), "MPI_Bcast");
    }

    /// <summary>Adds every rank's <paramref name="values"/> element by element into <paramref name="sums"/>; every rank gets the sums.</summary>
    internal void Sum(ReadOnlySpan<float> values, Span<float> sums)
    {
        if (sums.Length < values.Length) throw new ArgumentException("the sums need room for every value", nameof(sums));
        fixed (float* p = values)
        fixed (float* q = sums)
            for (long done = 0; done < values.Length; done += MaxCount)
                Check(_allreduce(p + done, q + done, (int)Math.Min(MaxCount, values.Length - done), _float, _sum, _comm), "MPI_Allreduce");
    }

    /// <summary>Adds every rank's values element by element, in place.</summary>
    internal void SumInPlace(Span<double> values)
    {
        fixed (double* p = values)
            Check(_allreduce((void*)1, p, values.Length, _double, _sum, _comm), "MPI_Allreduce");
    }

    /// <summary>Adds every rank's values element by element, in place.</summary>
    internal void SumInPlace(Span<long> values)
    {
        fixed (long* p = values)
            Check(_allreduce((void*)1, p, values.Length, _long, _sum, _comm), "MPI_Allreduce");
    }

    /// <summary>Stops every rank of the job with <paramref name="exitCode"/> (MPI_Abort); it does not return.</summary>
    public void Abort(int exitCode)
    {
        Console.Error.Flush();
        _abort(_comm, exitCode);
    }

    /// <summary>Finalises MPI: every rank must call it once its part is done.</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        Check(_finalize(), "MPI_Finalize");
    }

    private static void Check(int code, string call)
    {
        // With MPI's default handler (errors are fatal) a failed call aborts the job before it returns.
        if (code != 0) throw new DistributedException($"--distributed: {call} failed with MPI error {code}");
    }
}

/// <summary>Distributed training cannot start or go on; the message is one line.</summary>
public sealed class DistributedException(string message) : Exception(message);
