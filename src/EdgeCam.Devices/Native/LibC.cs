using System.Runtime.InteropServices;

namespace EdgeCam.Devices.Native;

/// <summary>
/// The few libc calls the device bindings need (open, ioctl, mmap, poll, read), declared once.
/// Every call sets the last error so callers can name errno in their messages.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    public const short POLLIN = 1, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;
    public const int EINTR = 4, EIO = 5, ENXIO = 6, EAGAIN = 11, ENODEV = 19, EINVAL = 22, ENOTTY = 25, ENOENT = 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* arg);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nint arg);

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* addr, nuint length);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>"ENODEV (No such device)"-style text for log and error lines.</summary>
    public static string Describe(int errno) => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";

    /// <summary>ioctl retried on EINTR (signals arrive during blocking calls, e.g. SIGTERM's handler).</summary>
    public static int IoctlRetry(int fd, uint request, void* arg)
    {
        int rc;
        do rc = Ioctl(fd, request, arg); while (rc < 0 && Errno == EINTR);
        return rc;
    }

    /// <summary>A NUL-terminated fixed byte field of a kernel struct as a string.</summary>
    public static string FixedString(byte* field, int capacity)
    {
        int n = 0;
        while (n < capacity && field[n] != 0) n++;
        return System.Text.Encoding.UTF8.GetString(field, n);
    }

    public static void CopyFixedString(string value, byte* field, int capacity)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        int n = Math.Min(bytes.Length, capacity - 1);
        for (int i = 0; i < n; i++) field[i] = bytes[i];
        field[n] = 0;
    }
}
