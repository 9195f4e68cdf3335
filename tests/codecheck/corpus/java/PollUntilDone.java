import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.json.JSONObject;

public class PollUntilDone {
    public static String waitFor(String id) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        while (true) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/tasks/" + id))
                .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
                .build();
            JSONObject task = new JSONObject(http.send(req, HttpResponse.BodyHandlers.ofString()).body());
            if ("SUCCEEDED".equals(task.getString("status"))) {
                return task.getJSONObject("result").getJSONArray("data").getJSONObject(0).getString("url");
            }
            Thread.sleep(3000);
        }
    }
}
