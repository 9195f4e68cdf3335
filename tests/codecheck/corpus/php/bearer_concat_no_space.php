<?php
$apiKey = getenv('PIXAPI_KEY');
$ch = curl_init('https://api.pixapi.ai/v1/images/generations');
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_HTTPHEADER => [
        'Authorization: Bearer' . $apiKey,
        'Content-Type: application/json',
    ],
    CURLOPT_POSTFIELDS => json_encode(['model' => 'gpt-image-2', 'prompt' => 'A copper kettle on a stove']),
]);
echo curl_exec($ch);
