<?php
function waitForVideo(string $id): string
{
    while (true) {
        $ch = curl_init("https://api.pixapi.ai/v1/tasks/{$id}");
        curl_setopt_array($ch, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . getenv('PIXAPI_KEY')],
        ]);
        $task = json_decode(curl_exec($ch), true);
        curl_close($ch);
        if ($task['status'] === 'completed') {
            return $task['data'][0]['url'];
        }
        if ($task['status'] === 'failed') {
            throw new RuntimeException('video failed');
        }
        sleep(5);
    }
}
