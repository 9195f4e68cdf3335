import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class LocalInputImage {
    public static void main(String[] args) throws Exception {
        String input = "out/cat.png";
        String body = "{\"model\":\"veo\",\"prompt\":\"The cat blinks slowly\",\"input_image\":\"" + input + "\",\"duration\":5}";
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/async/videos/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        System.out.println(HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body());
    }
}
