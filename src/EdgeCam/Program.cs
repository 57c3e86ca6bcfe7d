namespace EdgeCam;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("edgecam: under construction");
        return 0;
    }
}
