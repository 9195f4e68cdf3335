import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public class JacksonMapBody {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Object> payload = Map.of(
            "model", "gemini-3-pro-image-preview",
            "prompt", "Cutaway illustration of a submarine",
            "size", "1536x1024",
            "n", 1);
        HttpRequest request = HttpRequest.newBuilder()
            .uri(URI.create("https://api.pixapi.ai/v1/images/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(payload)))
            .build();
        JsonNode root = mapper.readTree(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body());
        System.out.println(root.path("data").get(0).path("url").asText());
    }
}
