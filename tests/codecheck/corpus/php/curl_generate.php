<?php
$key = getenv('PIXAPI_KEY');
$ch = curl_init('https://api.pixapi.ai/v1/images/generations');
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_POST => true,
    CURLOPT_HTTPHEADER => [
        sprintf('Authorization: Bearer %s', $key),
        'Content-Type: application/json',
    ],
    CURLOPT_POSTFIELDS => json_encode([
        'model' => 'nano-banana',
        'prompt' => 'A bowl of lemons on a blue tablecloth',
        'size' => '1024x1024',
    ]),
]);
$result = json_decode(curl_exec($ch), true);
curl_close($ch);
echo $result['data'][0]['url'], PHP_EOL;
