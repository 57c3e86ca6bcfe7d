using EdgeCam.Devices.I2c;

namespace EdgeCam.Devices.Sensors.Bme280;

/// <summary>
/// Bosch BME280 (temperature, pressure, humidity) on I2C, in forced mode: each <see cref="Sample"/>
/// starts one conversion (x1 oversampling), waits for it and compensates with the chip's own
/// calibration, read once at open. Registers and formulas from the BME280 datasheet.
/// </summary>
public sealed class Bme280Sensor : ISensor
{
    public const byte ChipIdRegister = 0xD0, ExpectedChipId = 0x60;
    private const byte CtrlHum = 0xF2, Status = 0xF3, CtrlMeas = 0xF4, DataStart = 0xF7;
    private const byte StatusMeasuring = 0x08;
    private const byte OversamplingX1 = 1, ForcedMode = 1;

    private readonly SmbusDevice _device;
    private readonly SensorValue[] _values = new SensorValue[3];
    private readonly byte[] _raw = new byte[8];
    public Bme280Calibration Calibration { get; }
    public string Name { get; }

    public Bme280Sensor(string bus, int address = 0x76, string? name = null)
    {
        Name = name ?? $"bme280@{bus}:0x{address:X2}";
        try { _device = new SmbusDevice(bus, address); }
        catch (I2cException e) { throw new SensorException($"BME280 on {bus} at 0x{address:X2}: {e.Message}", e); }
        try
        {
            byte id = _device.ReadByte(ChipIdRegister);
            if (id != ExpectedChipId)
                throw new SensorException($"BME280 on {bus} at 0x{address:X2}: chip id is 0x{id:X2}, expected 0x{ExpectedChipId:X2}" +
                    (id == 0x58 ? " (0x58 is a BMP280: no humidity)" : " (another chip, or none: check the address)"));
            Span<byte> r88 = stackalloc byte[26];
            Span<byte> rE1 = stackalloc byte[7];
            _device.ReadBlock(0x88, r88);
            _device.ReadBlock(0xE1, rE1);
            Calibration = Bme280Calibration.Parse(r88, rE1);
        }
        catch (I2cException e)
        {
            _device.Dispose();
            throw new SensorException($"BME280 on {bus} at 0x{address:X2}: {e.Message}", e);
        }
        catch
        {
            _device.Dispose();
            throw;
        }
    }

    /// <summary>One forced-mode measurement, compensated.</summary>
    public Bme280Reading Measure()
    {
        try
        {
            // ctrl_hum only takes effect with the following ctrl_meas write (datasheet 5.4.3).
            _device.WriteByte(CtrlHum, OversamplingX1);
            _device.WriteByte(CtrlMeas, OversamplingX1 << 5 | OversamplingX1 << 2 | ForcedMode);
            // x1/x1/x1 takes at most 9.3 ms (datasheet 9.1); poll the measuring bit up to 50 ms.
            for (int i = 0; i < 25 && (_device.ReadByte(Status) & StatusMeasuring) != 0; i++) Thread.Sleep(2);
            _device.ReadBlock(DataStart, _raw);
        }
        catch (I2cException e)
        {
            throw new SensorException($"{Name}: {e.Message}", e);
        }
        int adcP = _raw[0] << 12 | _raw[1] << 4 | _raw[2] >> 4;
        int adcT = _raw[3] << 12 | _raw[4] << 4 | _raw[5] >> 4;
        int adcH = _raw[6] << 8 | _raw[7];
        return Bme280Compensation.Compensate(Calibration, adcT, adcP, adcH);
    }

    public IReadOnlyList<SensorValue> Sample()
    {
        var r = Measure();
        _values[0] = new SensorValue("temperature", r.TemperatureC, "C");
        _values[1] = new SensorValue("pressure", r.PressurePa, "Pa");
        _values[2] = new SensorValue("humidity", r.HumidityPercent, "%RH");
        return _values;
    }

    public void Dispose() => _device.Dispose();
}
