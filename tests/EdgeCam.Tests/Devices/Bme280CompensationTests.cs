using EdgeCam.Devices.Sensors;
using EdgeCam.Devices.Sensors.Bme280;

namespace EdgeCam.Tests.Devices;

public class Bme280CompensationTests
{
    // The trimming values of the worked example in Bosch's BMP280 datasheet (section 3.12), whose
    // temperature and pressure formulas the BME280 shares, plus typical humidity trimming values,
    // as the bytes a chip holds at 0x88..0xA1 and 0xE1..0xE7 (what scripts/hil.sh seeds into i2c-stub).
    private static readonly byte[] Registers88 =
        [0x70, 0x6b, 0x43, 0x67, 0x18, 0xfc, 0x7d, 0x8e, 0x43, 0xd6, 0xd0, 0x0b, 0x27, 0x0b, 0x8c, 0x00, 0xf9, 0xff, 0x8c, 0x3c, 0xf8, 0xc6, 0x70, 0x17, 0x00, 0x4b];
    private static readonly byte[] RegistersE1 = [0x6a, 0x01, 0x00, 0x13, 0x29, 0x03, 0x1e];

    private static Bme280Calibration Calibration => Bme280Calibration.Parse(Registers88, RegistersE1);

    [Fact]
    public void CalibrationBytesDecodeIntoTheDatasheetWords()
    {
        var c = Calibration;
        Assert.Equal((27504, 26435, -1000), (c.T1, c.T2, c.T3));
        Assert.Equal((36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000), (c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9));
        // H4 and H5 share register 0xE5 (low and high nibble): the packing most drivers get wrong.
        Assert.Equal((75, 362, 0, 313, 50, 30), (c.H1, c.H2, c.H3, c.H4, c.H5, c.H6));
    }

    [Fact]
    public void TheDatasheetExampleGives25_08CAnd100653Pa()
    {
        var r = Bme280Compensation.Compensate(Calibration, adcT: 519888, adcP: 415148, adcH: 30000);
        Assert.Equal(2508, r.TemperatureCentiC); // datasheet: T = 25.08 C
        Assert.InRange(r.PressurePa, 100653.27 - 0.5, 100653.27 + 0.5); // datasheet: p = 100653.27 Pa (floating-point version)
    }

    [Theory]
    [InlineData(519888, 415148, 30000)]
    [InlineData(400000, 300000, 20000)]
    [InlineData(560000, 500000, 45000)]
    [InlineData(480000, 350000, 10000)]
    public void IntegerFormulasAgreeWithTheDatasheetsFloatingPointOnes(int adcT, int adcP, int adcH)
    {
        var c = Calibration;
        var r = Bme280Compensation.Compensate(c, adcT, adcP, adcH);
        var (t, p, h) = FloatingPoint(c, adcT, adcP, adcH);
        Assert.InRange(r.TemperatureC, t - 0.01, t + 0.01);
        Assert.InRange(r.PressurePa, p - 1.0, p + 1.0);
        Assert.InRange(r.HumidityPercent, h - 0.05, h + 0.05);
    }

    [Fact]
    public void AMissingBusIsAClearError()
    {
        var e = Assert.Throws<SensorException>(() => new Bme280Sensor("/dev/i2c-does-not-exist", 0x76));
        Assert.Contains("/dev/i2c-does-not-exist", e.Message);
        Assert.Contains("0x76", e.Message);
    }

    [Fact]
    public void ANonI2cDeviceIsAClearError()
    {
        // /dev/null is a real character device that refuses the I2C_SLAVE ioctl, as a wrong path would.
        var e = Assert.Throws<SensorException>(() => new Bme280Sensor("/dev/null", 0x77));
        Assert.Contains("cannot address 0x77", e.Message);
    }

    /// <summary>The datasheet's double-precision compensation (BME280 datasheet, appendix 8.1), an independent oracle.</summary>
    private static (double T, double P, double H) FloatingPoint(Bme280Calibration c, int adcT, int adcP, int adcH)
    {
        double v1 = (adcT / 16384.0 - c.T1 / 1024.0) * c.T2;
        double v2 = (adcT / 131072.0 - c.T1 / 8192.0) * (adcT / 131072.0 - c.T1 / 8192.0) * c.T3;
        double tFine = v1 + v2;
        double t = tFine / 5120.0;

        v1 = tFine / 2.0 - 64000.0;
        v2 = v1 * v1 * c.P6 / 32768.0;
        v2 += v1 * c.P5 * 2.0;
        v2 = v2 / 4.0 + c.P4 * 65536.0;
        v1 = (c.P3 * v1 * v1 / 524288.0 + c.P2 * v1) / 524288.0;
        v1 = (1.0 + v1 / 32768.0) * c.P1;
        double p = 1048576.0 - adcP;
        p = (p - v2 / 4096.0) * 6250.0 / v1;
        v1 = c.P9 * p * p / 2147483648.0;
        v2 = p * c.P8 / 32768.0;
        p += (v1 + v2 + c.P7) / 16.0;

        double h = tFine - 76800.0;
        h = (adcH - (c.H4 * 64.0 + c.H5 / 16384.0 * h)) * (c.H2 / 65536.0 * (1.0 + c.H6 / 67108864.0 * h * (1.0 + c.H3 / 67108864.0 * h)));
        h *= 1.0 - c.H1 * h / 524288.0;
        return (t, p, Math.Clamp(h, 0, 100));
    }
}
