import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class NoContentType {
    public static void main(String[] args) throws Exception {
        String json = "{\"model\":\"nano-banana\",\"prompt\":\"A robot watering plants\"}";
        HttpRequest request = HttpRequest.newBuilder()
            .uri(URI.create("https://api.pixapi.ai/v1/images/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.body());
    }
}
