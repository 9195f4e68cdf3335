<?php
$payload = [
    'model' => 'veo',
    'prompt' => 'A spinning vinyl record, close-up',
];
$payload['seconds'] = 5;

$ch = curl_init('https://api.pixapi.ai/v1/async/videos/generations');
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_POST => true,
    CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . getenv('PIXAPI_KEY'), 'Content-Type: application/json'],
    CURLOPT_POSTFIELDS => json_encode($payload),
]);
echo curl_exec($ch);
