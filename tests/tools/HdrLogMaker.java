// Writes an HdrHistogram interval log with HdrHistogram's own Java writer, for percore's tests
// to decode: java -cp hdrhistogram.jar HdrLogMaker.java OUT START_MS VALUE:COUNT...
// Each argument after START_MS that is "-" starts a new interval.
import java.io.PrintStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

public class HdrLogMaker {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(args[0]);
    long startMs = Long.parseLong(args[1]);
    HistogramLogWriter writer = new HistogramLogWriter(out);
    writer.outputLogFormatVersion();
    writer.outputStartTime(startMs);
    writer.outputBaseTime(startMs);
    writer.outputLegend();
    Histogram h = new Histogram(60_000_000_000L, 3);
    double intervalStart = 0;
    for (int i = 2; i <= args.length; ++i) {
      if (i == args.length || args[i].equals("-")) {
        writer.outputIntervalHistogram(intervalStart, intervalStart + 1.0, h);
        h.reset();
        intervalStart += 1.0;
        continue;
      }
      String[] parts = args[i].split(":");
      h.recordValueWithCount(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }
    out.close();
  }
}
