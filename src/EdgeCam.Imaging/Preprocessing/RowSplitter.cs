using System.Runtime.ExceptionServices;

namespace EdgeCam.Imaging.Preprocessing;

/// <summary>Work that can be cut into ranges of tensor rows, each range independent of the others.</summary>
internal interface IRowRangeWork
{
    /// <param name="helper">True on the helper thread (which must use its own scratch).</param>
    void Rows(int from, int to, bool helper);
}

/// <summary>How much of the preprocessing the helper thread has taken, since the process started.</summary>
/// <param name="Frames">Frames whose rows were offered to the helper.</param>
/// <param name="Rows">Tensor rows of those frames.</param>
/// <param name="HelperRows">Of those, rows the helper computed.</param>
/// <param name="HelperAllocatedBytes">Managed bytes the helper thread has allocated (0 in steady state).</param>
public readonly record struct RowSplitStatistics(long Frames, long Rows, long HelperRows, long HelperAllocatedBytes);

/// <summary>
/// Shares a frame's tensor rows between the calling thread and one helper thread, so a large
/// frame uses two cores. Both take chunks of rows from one counter, so the caller never waits for a
/// helper that has not started (a busy core, a slow wake-up): it then runs every row itself, and
/// waits only for the chunk the helper is in. One helper for the whole process (preprocessors come
/// and go with model swaps; a thread each would leak), started on first use, background, asleep
/// between frames. When it is already taken (a second pipeline, a model's self-test) the caller
/// runs every row itself. Allocates nothing per frame.
/// </summary>
internal sealed class RowSplitter
{
    public static readonly RowSplitter Shared = new();

    private const int Idle = 0, Working = 1, Finished = 2, Cancelled = 3;

    private readonly ManualResetEventSlim _go = new(false, spinCount: 0);
    private readonly Lock _start = new();
    private Thread? _thread;
    private int _taken;          // 1 while a caller owns the helper
    private int _helperState;    // Idle .. Cancelled, for the current frame
    private int _next, _count, _chunk;
    private IRowRangeWork? _work;
    private ExceptionDispatchInfo? _failure;
    private long _frames, _rows, _helperRows, _helperAllocated;

    public RowSplitStatistics Statistics =>
        new(Volatile.Read(ref _frames), Volatile.Read(ref _rows), Volatile.Read(ref _helperRows), Volatile.Read(ref _helperAllocated));

    /// <summary>Whether splitting can help here at all (more than one core to run on).</summary>
    public static bool Worthwhile => Environment.ProcessorCount > 1;

    /// <summary>Rows [0, count) of <paramref name="work"/>, in chunks, on this thread and the helper;
    /// returns when every row is done and the helper no longer touches the work.</summary>
    public void Run(IRowRangeWork work, int count)
    {
        if (count < 2 || Interlocked.CompareExchange(ref _taken, 1, 0) != 0)
        {
            work.Rows(0, count, helper: false);
            return;
        }
        try
        {
            EnsureStarted();
            _work = work;
            _failure = null;
            _count = count;
            _chunk = Math.Max(1, count / 16);
            _next = 0;
            Volatile.Write(ref _helperState, Idle);
            _go.Set();
            try
            {
                Take(work, helper: false);
            }
            finally
            {
                // Never return while the helper may still read the caller's frame.
                if (Interlocked.CompareExchange(ref _helperState, Cancelled, Idle) != Idle)
                {
                    // The helper is inside one chunk (microseconds): spin and yield, never
                    // Thread.Sleep(1), which SpinOnce() falls back to after ~20 spins and which
                    // cost a millisecond per frame whenever a chunk outlasted them.
                    var spin = new SpinWait();
                    while (Volatile.Read(ref _helperState) != Finished) spin.SpinOnce(sleep1Threshold: -1);
                }
            }
            Volatile.Write(ref _frames, _frames + 1);
            Volatile.Write(ref _rows, _rows + count);
            _failure?.Throw();
        }
        finally
        {
            _work = null;
            Volatile.Write(ref _taken, 0);
        }
    }

    private void Take(IRowRangeWork work, bool helper)
    {
        while (true)
        {
            int from = Interlocked.Add(ref _next, _chunk) - _chunk;
            if (from >= _count) return;
            int to = Math.Min(from + _chunk, _count);
            work.Rows(from, to, helper);
            if (helper) Volatile.Write(ref _helperRows, _helperRows + (to - from));
        }
    }

    private void EnsureStarted()
    {
        if (_thread is not null) return;
        lock (_start)
        {
            if (_thread is not null) return;
            var thread = new Thread(Loop) { IsBackground = true, Name = "edgecam-rows" };
            thread.Start();
            _thread = thread;
        }
    }

    private void Loop()
    {
        while (true)
        {
            _go.Wait();
            _go.Reset();
            // A wake-up the caller has given up on (or a stale one) does nothing.
            if (Interlocked.CompareExchange(ref _helperState, Working, Idle) != Idle) continue;
            try
            {
                Take(_work!, helper: true);
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            Volatile.Write(ref _helperAllocated, GC.GetAllocatedBytesForCurrentThread());
            Volatile.Write(ref _helperState, Finished);
        }
    }
}
