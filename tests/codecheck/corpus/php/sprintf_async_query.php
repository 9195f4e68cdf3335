<?php
$base = 'https://api.pixapi.ai';
$url = sprintf('%s/v1/images/generations?async=%s', $base, 'true');

$ch = curl_init($url);
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . getenv('PIXAPI_KEY'), 'Content-Type: application/json'],
    CURLOPT_POSTFIELDS => json_encode(['model' => 'nano-banana-pro', 'prompt' => 'A grand library interior']),
]);
echo curl_exec($ch);
