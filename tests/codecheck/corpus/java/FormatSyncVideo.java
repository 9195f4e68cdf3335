import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class FormatSyncVideo {
    private static final String BASE = "https://api.pixapi.ai";

    public static void main(String[] args) throws Exception {
        String url = String.format("%s/v1/videos/generations", BASE);
        HttpRequest req = HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"veo\",\"prompt\":\"Rain on a tin roof\",\"duration\":8}"))
            .build();
        System.out.println(HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body());
    }
}
