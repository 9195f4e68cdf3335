import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class HttpClientGenerate {
    public static void main(String[] args) throws Exception {
        String body = """
            {"model": "nano-banana", "prompt": "A stack of pancakes with berries", "size": "1024x1024"}
            """;
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/images/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.body());
    }
}
