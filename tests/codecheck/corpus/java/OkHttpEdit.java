import java.io.File;

import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

public class OkHttpEdit {
    public static void main(String[] args) throws Exception {
        File photo = new File("shoe.png");
        RequestBody form = new MultipartBody.Builder()
            .setType(MultipartBody.FORM)
            .addFormDataPart("model", "nano-banana")
            .addFormDataPart("prompt", "Put the shoe on a marble pedestal")
            .addFormDataPart("image", photo.getName(), RequestBody.create(photo, MediaType.get("image/png")))
            .build();
        Request request = new Request.Builder()
            .url("https://api.pixapi.ai/v1/images/edits")
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .post(form)
            .build();
        try (Response response = new OkHttpClient().newCall(request).execute()) {
            System.out.println(response.body().string());
        }
    }
}
