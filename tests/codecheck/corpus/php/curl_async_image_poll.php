<?php
function call(string $method, string $url, ?string $json = null): array
{
    $ch = curl_init($url);
    $headers = ['Authorization: Bearer ' . getenv('PIXAPI_KEY'), 'Content-Type: application/json'];
    curl_setopt_array($ch, [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
    ]);
    if ($json !== null) {
        curl_setopt($ch, CURLOPT_POSTFIELDS, $json);
    }
    $body = curl_exec($ch);
    curl_close($ch);
    return json_decode($body, true);
}

$sub = call('POST', 'https://api.pixapi.ai/v1/async/images/generations',
    json_encode(['model' => 'nano-banana-2', 'prompt' => 'A mosaic of a peacock', 'n' => 2]));
for ($i = 0; $i < 100; $i++) {
    $t = call('GET', 'https://api.pixapi.ai/v1/tasks/' . $sub['id']);
    if ($t['status'] === 'completed') {
        foreach ($t['result']['data'] as $item) {
            echo $item['url'], PHP_EOL;
        }
        break;
    }
    if ($t['status'] === 'failed') {
        fwrite(STDERR, "failed\n");
        exit(1);
    }
    sleep(3);
}
