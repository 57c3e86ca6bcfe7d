using System.Diagnostics;

namespace EdgeCam.Pipeline;

/// <summary>
/// Fixed-memory latency statistics for one pipeline stage: count, mean, max and percentiles
/// from a log-linear histogram (16 sub-buckets per power of two of nanoseconds, so a percentile
/// is within ~6% of the true value). Recording allocates nothing and never grows, so it can run
/// for months on a device; single writer (the pipeline thread), readers take a snapshot.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 4;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Powers = 48; // 2^48 ns is more than three days
    private readonly long[] _buckets = new long[Powers * SubBuckets];
    private long _count;
    private long _sumNs;
    private long _maxNs;

    public long Count => Volatile.Read(ref _count);
    public double MeanMs => _count == 0 ? 0 : _sumNs / (double)_count / 1e6;
    public double MaxMs => _maxNs / 1e6;

    public void RecordTicks(long stopwatchTicks) => RecordNs((long)(stopwatchTicks * (1e9 / Stopwatch.Frequency)));

    public void RecordNs(long ns)
    {
        if (ns < 0) ns = 0;
        _buckets[BucketOf(ns)]++;
        _sumNs += ns;
        if (ns > _maxNs) _maxNs = ns;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>The value at quantile q (0..1) in milliseconds: the upper edge of its bucket, capped at the max seen.</summary>
    public double PercentileMs(double q)
    {
        long count = Count;
        if (count == 0) return 0;
        long rank = (long)Math.Ceiling(q * count);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank) return Math.Min(UpperEdgeNs(i), _maxNs) / 1e6;
        }
        return MaxMs;
    }

    /// <summary>
    /// The histogram's own bucket edge at or just above <paramref name="ns"/>: counting observations at
    /// or below such an edge is exact, so Prometheus "le" bounds are taken from these edges.
    /// </summary>
    public static long EdgeAtOrAboveNs(long ns) => UpperEdgeNs(BucketOf(ns));

    /// <summary>
    /// Cumulative counts of observations at or below each edge (from <see cref="EdgeAtOrAboveNs"/>,
    /// ascending), the total count and the sum, read in one pass for a scrape. The writer may be
    /// recording meanwhile; the total is the sum of the buckets read, so the counts stay consistent.
    /// </summary>
    public void ReadCumulative(ReadOnlySpan<long> edgesNs, Span<long> counts, out long total, out long sumNs)
    {
        sumNs = Volatile.Read(ref _sumNs);
        long seen = 0;
        int edge = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            while (edge < edgesNs.Length && UpperEdgeNs(i) > edgesNs[edge]) counts[edge++] = seen;
            seen += Volatile.Read(ref _buckets[i]);
        }
        while (edge < edgesNs.Length) counts[edge++] = seen;
        total = seen;
    }

    public void Reset()
    {
        Array.Clear(_buckets);
        _count = 0; _sumNs = 0; _maxNs = 0;
    }

    private static int BucketOf(long ns)
    {
        if (ns < SubBuckets) return (int)ns;
        int power = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)ns); // >= SubBucketBits
        int sub = (int)(ns >> (power - SubBucketBits)) & (SubBuckets - 1);
        int index = (power - SubBucketBits + 1) * SubBuckets + sub;
        return Math.Min(index, Powers * SubBuckets - 1);
    }

    private static long UpperEdgeNs(int index)
    {
        if (index < SubBuckets) return index;
        int power = index / SubBuckets + SubBucketBits - 1;
        int sub = index % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << (power - SubBucketBits)) - 1;
    }
}
