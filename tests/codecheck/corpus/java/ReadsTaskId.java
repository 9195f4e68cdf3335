import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public class ReadsTaskId {
    public static void main(String[] args) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/async/images/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"nano-banana-pro\",\"prompt\":\"A tiny house in a bottle\"}"))
            .build();
        JsonNode node = new ObjectMapper().readTree(HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString()).body());
        String taskId = node.get("task_id").asText();
        System.out.println("submitted " + taskId);
    }
}
