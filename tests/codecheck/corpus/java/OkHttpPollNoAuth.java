import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.json.JSONObject;

public class OkHttpPollNoAuth {
    static final OkHttpClient HTTP = new OkHttpClient();

    public static void main(String[] args) throws Exception {
        Request submit = new Request.Builder()
            .url("https://api.pixapi.ai/v1/async/videos/generations")
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .post(RequestBody.create("{\"model\":\"wan\",\"prompt\":\"Sand dunes shifting\",\"duration\":5}",
                MediaType.get("application/json")))
            .build();
        String id;
        try (Response r = HTTP.newCall(submit).execute()) {
            id = new JSONObject(r.body().string()).getString("id");
        }
        while (true) {
            Request poll = new Request.Builder().url("https://api.pixapi.ai/v1/tasks/" + id).build();
            JSONObject task;
            try (Response r = HTTP.newCall(poll).execute()) {
                task = new JSONObject(r.body().string());
            }
            String status = task.getString("status");
            if (status.equals("completed")) {
                System.out.println(task.getJSONObject("result").getJSONArray("data").getJSONObject(0).getString("url"));
                return;
            }
            if (status.equals("failed")) {
                throw new IllegalStateException("failed");
            }
            Thread.sleep(5000);
        }
    }
}
