import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class StringFormatBody {
    public static void main(String[] args) throws Exception {
        int duration = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        String body = String.format(
            "{\"model\":\"wan\",\"prompt\":\"%s\",\"duration\":%d,\"size\":\"16:9\"}",
            "Northern lights over a frozen lake", duration);
        HttpRequest req = HttpRequest.newBuilder()
            .uri(URI.create("https://api.pixapi.ai/v1/async/videos/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        HttpResponse<String> res = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        System.out.println(res.body());
    }
}
