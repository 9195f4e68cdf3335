<?php
$ch = curl_init('https://api.pixapi.ai/v1/async/images/generations');
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . getenv('PIXAPI_KEY'), 'Content-Type: application/json'],
    CURLOPT_POSTFIELDS => json_encode(['model' => 'nano-banana', 'prompt' => 'An origami crane']),
]);
$data = json_decode(curl_exec($ch), true);
$taskId = $data['task_id'];
file_put_contents('pending_tasks.txt', $taskId . PHP_EOL, FILE_APPEND);
