// DynamoDB Local bound to 127.0.0.1 only (src/store/dynamodb-local.ts compiles and runs this).
//
// The jar's command line has no option for the address (its Jetty server listens on every interface, with any
// credentials accepted, holding phone numbers). This builds the very server ServerRunner would, from the same
// arguments, sets its connectors' host to the loopback address, and starts it.
import java.io.File;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.monitoring.Telemetry;
import software.amazon.dynamodb.services.local.monitoring.TelemetryUtil;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    CommandLineInput input = new CommandLineInput(args);
    if (!input.init()) return;
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Telemetry.configureTelemetry(
        TelemetryUtil.getSetupType(new File("/.dockerenv"), new File("pom.xml")),
        ServerRunner.getSetupMode(input),
        TelemetryUtil.isTelemetryEnabled(input.isDisableTelemetry()));
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    for (Connector connector : jetty.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on 127.0.0.1 only");
  }
}
