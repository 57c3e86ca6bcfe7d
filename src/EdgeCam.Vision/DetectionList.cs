namespace EdgeCam.Vision;

/// <summary>A fixed-capacity, reusable list of detections (no allocation after construction).
/// Adding beyond the capacity keeps the best-scoring entries.</summary>
public sealed class DetectionList(int capacity)
{
    private readonly Detection[] _items = new Detection[capacity];

    public int Count { get; private set; }
    public int Capacity => _items.Length;

    public ref Detection this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return ref _items[index];
        }
    }

    public ReadOnlySpan<Detection> AsSpan() => _items.AsSpan(0, Count);
    public Span<Detection> AsMutableSpan() => _items.AsSpan(0, Count);

    public void Clear() => Count = 0;

    public void Add(in Detection detection)
    {
        if (Count < _items.Length)
        {
            _items[Count++] = detection;
            return;
        }
        // Full: replace the weakest entry if the new one beats it.
        int weakest = 0;
        for (int i = 1; i < Count; i++)
            if (_items[i].Score < _items[weakest].Score) weakest = i;
        if (detection.Score > _items[weakest].Score) _items[weakest] = detection;
    }

    /// <summary>Sorts by descending score (insertion sort: lists are short, and it allocates nothing).</summary>
    public void SortByScoreDescending()
    {
        for (int i = 1; i < Count; i++)
        {
            var item = _items[i];
            int j = i - 1;
            while (j >= 0 && _items[j].Score < item.Score)
            {
                _items[j + 1] = _items[j];
                j--;
            }
            _items[j + 1] = item;
        }
    }
}
