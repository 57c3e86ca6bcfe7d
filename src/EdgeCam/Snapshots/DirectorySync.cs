using System.Runtime.InteropServices;
using System.Text;

namespace EdgeCam.Snapshots;

/// <summary>fsync(2) on a directory, so a rename into it survives a power cut (.NET has no API for it).</summary>
internal static unsafe partial class DirectorySync
{
    private const int ORdOnly = 0, ODirectory = 0x10000 /* x86-64 and arm64 */, OCloexec = 0x80000;

    public static void Fsync(string directory)
    {
        var path = Encoding.UTF8.GetBytes(directory + "\0");
        int fd;
        fixed (byte* p = path) fd = open(p, ORdOnly | ODirectory | OCloexec);
        if (fd < 0) throw new IOException($"{directory}: cannot open to fsync (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"{directory}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int open(byte* path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
