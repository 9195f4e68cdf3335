package com.example.video;

import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

@RestController
public class SpringVideoController {
    private final RestClient pixapi = RestClient.builder()
        .baseUrl("https://api.pixapi.ai")
        .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + System.getenv("PIXAPI_KEY"))
        .build();

    /** Our own route for the front end: GET /api/videos/{taskId}. */
    @GetMapping("/api/videos/{taskId}")
    public Map<String, Object> status(@PathVariable String taskId) {
        Map<?, ?> task = pixapi.get().uri("/v1/tasks/{id}", taskId)
            .accept(MediaType.APPLICATION_JSON)
            .retrieve()
            .body(Map.class);
        Object status = task.get("status");
        if ("completed".equals(status)) {
            Map<?, ?> result = (Map<?, ?>) task.get("result");
            Object url = ((Map<?, ?>) ((java.util.List<?>) result.get("data")).get(0)).get("url");
            return Map.of("status", "completed", "url", url);
        }
        if ("failed".equals(status)) {
            return Map.of("status", "failed");
        }
        return Map.of("status", String.valueOf(status));
    }
}
