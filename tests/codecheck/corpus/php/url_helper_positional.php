<?php

const PIXAPI_BASE = 'https://api.pixapi.ai/v1';

function pixapiUrl(string ...$parts): string
{
    return PIXAPI_BASE . '/' . implode('/', $parts);
}

function pixapiRequest(string $url, ?array $body = null): array
{
    $ch = curl_init($url);
    $headers = ['Authorization: Bearer ' . getenv('PIXAPI_KEY')];
    if ($body !== null) {
        $headers[] = 'Content-Type: application/json';
        curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body));
    }
    curl_setopt($ch, CURLOPT_HTTPHEADER, $headers);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    $out = json_decode(curl_exec($ch), true);
    curl_close($ch);
    return $out;
}

$task = pixapiRequest(pixapiUrl('async', 'videos', 'generations'), [
    'model' => 'wan',
    'prompt' => 'Cherry blossoms falling in the wind',
    'duration' => 5,
]);
do {
    sleep(4);
    $task = pixapiRequest(pixapiUrl('tasks', $task['id']));
} while (!in_array($task['status'], ['completed', 'failed'], true));
echo $task['status'] === 'completed' ? $task['result']['data'][0]['url'] : 'failed', PHP_EOL;
