namespace EdgeCam.Devices.Sensors.Bme280;

/// <summary>A compensated reading: hundredths of a degree, Pa in Q24.8, %RH in Q22.10, as the datasheet's integer formulas give them.</summary>
public readonly record struct Bme280Reading(int TemperatureCentiC, uint PressureQ24_8, uint HumidityQ22_10)
{
    public double TemperatureC => TemperatureCentiC / 100.0;
    public double PressurePa => PressureQ24_8 / 256.0;
    public double HumidityPercent => HumidityQ22_10 / 1024.0;
}

/// <summary>
/// The BME280 datasheet's integer compensation (section 4.2.3 and appendix 8.2: 32-bit temperature,
/// 64-bit pressure, 32-bit humidity), kept in the datasheet's order so it can be compared line by line.
/// </summary>
public static class Bme280Compensation
{
    public static Bme280Reading Compensate(in Bme280Calibration c, int adcT, int adcP, int adcH)
    {
        // Temperature: also yields t_fine, which pressure and humidity depend on.
        int var1 = (((adcT >> 3) - (c.T1 << 1)) * c.T2) >> 11;
        int var2 = (((((adcT >> 4) - c.T1) * ((adcT >> 4) - c.T1)) >> 12) * c.T3) >> 14;
        int tFine = var1 + var2;
        int t = (tFine * 5 + 128) >> 8;
        return new Bme280Reading(t, Pressure(c, tFine, adcP), Humidity(c, tFine, adcH));
    }

    private static uint Pressure(in Bme280Calibration c, int tFine, int adcP)
    {
        long var1 = (long)tFine - 128000;
        long var2 = var1 * var1 * c.P6;
        var2 += (var1 * c.P5) << 17;
        var2 += (long)c.P4 << 35;
        var1 = ((var1 * var1 * c.P3) >> 8) + ((var1 * c.P2) << 12);
        var1 = (((1L << 47) + var1) * c.P1) >> 33;
        if (var1 == 0) return 0; // avoids a division by zero (an unprogrammed chip)
        long p = 1048576 - adcP;
        p = ((p << 31) - var2) * 3125 / var1;
        var1 = ((long)c.P9 * (p >> 13) * (p >> 13)) >> 25;
        var2 = ((long)c.P8 * p) >> 19;
        p = ((p + var1 + var2) >> 8) + ((long)c.P7 << 4);
        return (uint)p;
    }

    private static uint Humidity(in Bme280Calibration c, int tFine, int adcH)
    {
        int v = tFine - 76800;
        v = ((((adcH << 14) - (c.H4 << 20) - (c.H5 * v)) + 16384) >> 15)
            * (((((((v * c.H6) >> 10) * (((v * c.H3) >> 11) + 32768)) >> 10) + 2097152) * c.H2 + 8192) >> 14);
        v -= ((((v >> 15) * (v >> 15)) >> 7) * c.H1) >> 4;
        v = v < 0 ? 0 : v;
        v = v > 419430400 ? 419430400 : v;
        return (uint)(v >> 12);
    }
}
