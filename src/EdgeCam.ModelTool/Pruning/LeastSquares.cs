namespace EdgeCam.ModelTool.Pruning;

/// <summary>Ridge least squares through the normal equations and a Cholesky factorisation (the
/// systems here are at most a few hundred unknowns).</summary>
public static class LeastSquares
{
    /// <summary>Solves min ||X W - Y||^2 + lambda ||W||^2 for W [k, m], X [n, k], Y [n, m] (row-major).</summary>
    public static double[] Solve(double[] x, double[] y, int n, int k, int m, double lambda)
    {
        var a = new double[k * k];
        var b = new double[k * m];
        for (int r = 0; r < n; r++)
        {
            int xr = r * k, yr = r * m;
            for (int i = 0; i < k; i++)
            {
                double xi = x[xr + i];
                if (xi == 0) continue;
                for (int j = 0; j <= i; j++) a[i * k + j] += xi * x[xr + j];
                for (int j = 0; j < m; j++) b[i * m + j] += xi * y[yr + j];
            }
        }
        double trace = 0;
        for (int i = 0; i < k; i++) trace += a[i * k + i];
        double ridge = lambda * Math.Max(trace / Math.Max(k, 1), 1e-12);
        for (int i = 0; i < k; i++)
        {
            a[i * k + i] += ridge;
            for (int j = 0; j < i; j++) a[j * k + i] = a[i * k + j];
        }
        // Cholesky: A = L L^T, stored in the lower triangle.
        for (int j = 0; j < k; j++)
        {
            double d = a[j * k + j];
            for (int p = 0; p < j; p++) d -= a[j * k + p] * a[j * k + p];
            if (d <= 0) throw new InvalidOperationException("least squares: the system is not positive definite");
            double l = Math.Sqrt(d);
            a[j * k + j] = l;
            for (int i = j + 1; i < k; i++)
            {
                double s = a[i * k + j];
                for (int p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
                a[i * k + j] = s / l;
            }
        }
        var w = new double[k * m];
        var z = new double[k];
        for (int col = 0; col < m; col++)
        {
            for (int i = 0; i < k; i++)
            {
                double s = b[i * m + col];
                for (int p = 0; p < i; p++) s -= a[i * k + p] * z[p];
                z[i] = s / a[i * k + i];
            }
            for (int i = k - 1; i >= 0; i--)
            {
                double s = z[i];
                for (int p = i + 1; p < k; p++) s -= a[p * k + i] * w[p * m + col];
                w[i * m + col] = s / a[i * k + i];
            }
        }
        return w;
    }
}
