import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.json.JSONObject;

public class AsyncImageTask {
    static final String API = "https://api.pixapi.ai";
    static final String AUTH = "Bearer " + System.getenv("PIXAPI_KEY");

    public static void main(String[] args) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        JSONObject body = new JSONObject().put("model", "nano-banana-2").put("prompt", "Art deco train poster").put("n", 1);
        HttpRequest submit = HttpRequest.newBuilder(URI.create(API + "/v1/async/images/generations"))
            .header("Authorization", AUTH)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
        String id = new JSONObject(http.send(submit, HttpResponse.BodyHandlers.ofString()).body()).getString("id");

        JSONObject task;
        do {
            Thread.sleep(2000);
            HttpRequest poll = HttpRequest.newBuilder(URI.create(API + "/v1/tasks/" + id)).header("Authorization", AUTH).build();
            task = new JSONObject(http.send(poll, HttpResponse.BodyHandlers.ofString()).body());
        } while (!task.getString("status").equals("completed") && !task.getString("status").equals("failed"));

        if (task.getString("status").equals("failed")) {
            throw new RuntimeException("task failed");
        }
        System.out.println(task.getJSONObject("result").getJSONArray("data").getJSONObject(0).getString("url"));
    }
}
